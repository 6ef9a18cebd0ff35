-- A port result that is text only, several lines ending in a newline, and
-- one that is table plus text, on the port named by 'out.port'.
local stdnse = require "stdnse"

description = "Output-format test: text-only port output."
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("out.port"))
end

action = function(host, port)
  return "line one\n\nline <three> & \"four\"\n"
end
