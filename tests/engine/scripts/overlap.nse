-- One thread per host sleeps 0.5 s and records when it slept; with 50
-- hosts the sleeps must overlap (all begin before any ends), which shows
-- threads run concurrently without timing anything.
local stdnse = require "stdnse"
description = "sleeping threads overlap"
categories = {"safe"}
hostrule = function() return true end
postrule = function() return true end
action = function(host)
  local reg = nmap.registry
  if SCRIPT_TYPE == "hostrule" then
    reg.overlap = reg.overlap or {}
    local start = nmap.clock()
    stdnse.sleep(0.5)
    reg.overlap[#reg.overlap + 1] = {start, nmap.clock()}
    return nil
  end
  local last_start, first_end = 0, math.huge
  for _, s in ipairs(reg.overlap) do
    last_start = math.max(last_start, s[1])
    first_end = math.min(first_end, s[2])
  end
  return ("%d sleeps, %s"):format(#reg.overlap,
    last_start < first_end and "all overlapping" or "NOT overlapping")
end
