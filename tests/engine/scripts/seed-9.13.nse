-- Examples 9.12 and 9.13 of the seed: coroutines in a script, and a links
-- generator over an HTML document fetched from the test server.
local http = require "http"
local stdnse = require "stdnse"

description = "Seed examples 9.12 and 9.13: coroutines"
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("seed.port"))
end

function links (html_document) local function generate () for m in string.gmatch(html_document, "url%((.-)%)") do coroutine.yield(m) -- css url
 end for m in string.gmatch(html_document, "href%s*=%s*\"(.-)\"") do coroutine.yield(m) -- anchor link
 end for m in string.gmatch(html_document, "src%s*=%s*\"(.-)\"") do coroutine.yield(m) -- img source
 end end return coroutine.wrap(generate) end

action = function(host, port)
  local out = {}
  -- 9.12, verbatim; print collects its lines into the output.
  local function print(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    out[#out+1] = table.concat(t, " ")
  end
  local function main () coroutine.yield(1) coroutine.yield(2) coroutine.yield(3) end local co = coroutine.create(main) for i = 1, 3 do print(coroutine.resume(co)) end
  -- 9.13: the action's body, with the document fetched first.
  local html_document = http.get(host, port, "/links").body
  local found = {}
  for link in links(html_document) do
    found[#found+1] = link; -- store it
  end
  out[#out+1] = "links: " .. table.concat(found, " ")
  return table.concat(out, "\n")
end
