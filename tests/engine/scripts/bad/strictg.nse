description = "reads an undeclared global"
categories = {"safe"}
prerule = function() return true end
action = function() if not_declared_anywhere == nil then return "nil" end end
