-- Pre- and post-scan results: a table with its own text, then a number.
-- Keys go in an output_table: a plain table's order is its hash order,
-- which differs from run to run in Nmap and nsx alike.
local stdnse = require "stdnse"

description = "Output-format test: prerule and postrule output."
categories = {"safe"}

prerule = function() return true end
postrule = function() return true end

action = function()
  if SCRIPT_TYPE == "prerule" then
    local o = stdnse.output_table()
    o.count = 2
    o.items = {"x", "y"}
    return o, "2 items: x, y"
  end
  return 42
end
