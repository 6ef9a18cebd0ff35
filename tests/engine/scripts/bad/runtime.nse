description = "fails at run time"
categories = {"safe"}
prerule = function() return true end
action = function() local t = nil; return t.field end
