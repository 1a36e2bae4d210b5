"""The core every feature stands on, without HTTP: the model base, row locks and versions, paging and
the settings accessor."""
