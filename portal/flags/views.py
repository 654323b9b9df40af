"""The resident's flag pages: the guided form, check answers, receipt, following a flag, adding to it, disputing."""
