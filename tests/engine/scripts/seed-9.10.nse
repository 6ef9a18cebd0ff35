-- Example 9.10 of the seed (worker threads), verbatim in the middle: the
-- old names it uses (unpack, http.pGet, http.pipeline) must work.
local http = require "http"
local stdnse = require "stdnse"

description = "Seed example 9.10: worker threads fetching over HTTP"
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("seed.port"))
end

local requests = {"/", "/index.html", "/a", "/b", "/c", "/d", "/e", "/f",
  "/g", "/h", "/i", "/j", "/k", "/l", "/m", "/n", "/o", "/p", "/q", "/r",
  "/s", "/t", "/u", "/links"}

-- From here to the action: the seed's text, unchanged.
function thread_main (host, port, responses, ...) local condvar = nmap.condvar(responses); local what = {n = select("#", ...), ...}; local allReqs = nil; for i = 1, what.n do allReqs = http.pGet(host, port, what[i], nil, nil, allReqs); end local p = assert(http.pipeline(host, port, allReqs)); for i, response in ipairs(p) do responses[#responses+1] = response end condvar "signal"; end function many_requests (host, port) local threads = {}; local responses = {}; local condvar = nmap.condvar(responses); local i = 1; repeat local j = math.min(i+10, #requests); local co = stdnse.new_thread(thread_main, host, port, responses, unpack(requests, i, j)); threads[co] = true; i = j+1; until i > #requests; repeat for thread in pairs(threads) do if coroutine.status(thread) == "dead" then threads[thread] = nil end end if ( next(threads) ) then condvar "wait" end until next(threads) == nil; return responses; end

action = function(host, port)
  local responses = many_requests(host, port)
  local ok, missing = 0, 0
  for _, r in ipairs(responses) do
    if r.status == 200 then ok = ok + 1 elseif r.status == 404 then missing = missing + 1 end
  end
  return ("%d responses: %d found, %d not found"):format(#responses, ok, missing)
end
