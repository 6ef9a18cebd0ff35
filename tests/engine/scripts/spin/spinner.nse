-- Never yields: only a count hook can end it.
description = "an endless loop"
categories = {"safe"}
prerule = function() return true end
action = function()
  local x = 0
  while true do x = x + 1 end
end
