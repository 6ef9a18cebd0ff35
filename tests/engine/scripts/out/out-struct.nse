-- Structured output on the port named by the script argument 'out.port':
-- nested tables, an empty table, numbers, booleans, and text that needs
-- escaping in XML and JSON (control bytes, quotes, "--", high bytes).
local stdnse = require "stdnse"

description = "Output-format test: nested structured port output."
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("out.port"))
end

action = function(host, port)
  local o = stdnse.output_table()
  o.title = "hello"
  o.list = {"a", "b", {"c1", "c2"}}
  o.empty = {}
  o.num = 42
  o.float = 2.5
  o.bool = true
  o["a<b&c"] = "quote\"d 'single' --dash-- tab\there"
  o.ctrl = "bell\7 cr\r nul\0 high\xe9 utf8 \xc3\xa9"
  return o
end
