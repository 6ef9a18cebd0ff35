description = "no action"
categories = {"safe"}
prerule = function() return true end
