-- Example 9.11 of the seed (mutex): only one thread at a time may be in
-- the critical section. Every thread of this script (one per open port)
-- records how many threads were inside with it.
local stdnse = require "stdnse"

description = "Seed example 9.11: a mutex around a critical section"
categories = {"safe"}

portrule = function(host, port) return true end

local mutex = nmap.mutex("My Script's Unique ID");
function action(host, port)
  mutex "lock";
  -- Do critical section work - only one thread at a time executes this.
  local reg = nmap.registry
  reg.seed911_inside = (reg.seed911_inside or 0) + 1
  reg.seed911_max = math.max(reg.seed911_max or 0, reg.seed911_inside)
  stdnse.sleep(0.02)
  reg.seed911_inside = reg.seed911_inside - 1
  mutex "done";
  local script_output = "at most " .. reg.seed911_max .. " thread(s) inside"
  return script_output;
end
