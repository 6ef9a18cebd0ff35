-- A host script that takes a while on the host named by 'out.slowip', so
-- that a test can see the other hosts' reports written before it ends.
local stdnse = require "stdnse"

description = "Output-format test: a slow host script."
categories = {"safe"}

hostrule = function(host) return true end

action = function(host)
  if host.ip == stdnse.get_script_args("out.slowip") then
    stdnse.sleep(tonumber(stdnse.get_script_args("out.sleep")) or 3)
  end
  return "done " .. host.ip
end
