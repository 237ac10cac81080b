"""finngl's Python side: reference model builders, the LOB case study, training and export."""
