-- Allocates without bound: --script-memory must stop it.
description = "a memory hog"
categories = {"safe"}
prerule = function() return true end
action = function()
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep("x", 100) .. i end
end
