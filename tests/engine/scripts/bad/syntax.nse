description = "a syntax error"
categories = {"safe"}
prerule = function() return true end
action = function( return "x" end
