-- A host result with the host's address and an awkward key.
local stdnse = require "stdnse"

description = "Output-format test: hostrule output."
categories = {"safe"}

hostrule = function(host) return true end

action = function(host)
  local o = stdnse.output_table()
  o.addr = host.ip
  o.ports = {{number = 1}, {number = 2}}
  o["a<b&c"] = "quote\"d"
  return o
end
