-- The script side of fuzz-receive.c: connects to the harness's server,
-- which sends nmap.registry.fuzz.stream in fuzzed chunks and then EOF, and
-- runs the fuzzed socket operations on it, checking each result against a
-- model of the stream. It sets nmap.registry.fuzz_verdict to "ok", or to
-- what went wrong, which the harness turns into a crash.
--
-- Modes (fuzz.mode):
--   "buf"    receive_buf only, with literal, anchored, variable-length and
--            function delimiters: each result is checked exactly (which
--            bytes, which match), then a drain byte by byte must give the
--            rest of the stream and EOF;
--   "direct" receive, receive_bytes, receive_lines: each result is the
--            next bytes of the stream and as much as asked for (or all that
--            was left); a drain must end exactly at EOF;
--   "mixed"  both kinds interleaved: the two buffers make the split of the
--            stream unknowable, so only the shape of results is checked.
local match = require "match"

description = "fuzz harness for the socket receive methods"
categories = {"safe"}
prerule = function() return true end

-- Delimiters by number: pattern, length of every match (nil: variable),
-- and whether the match may be dropped (keep=false) in exact mode.
local DELIMS = {
  {"\n", 1}, {"\r\n", 2}, {"ab", 2}, {"^ab", 2},
  {"%d+", nil}, {"[\r\n]+", nil},
}

local function fail(fmt, ...)
  error(("ORACLE: " .. fmt):format(...), 0)
end

local function lines_in(s)
  return select(2, s:gsub("\n", ""))
end

local function receive_buf_op(s, f, code, pos, exact)
  local S, kind = f.stream, code % 8 + 1
  local keep = (code >> 6) & 1 == 1
  if kind <= #DELIMS then
    local pat, len = DELIMS[kind][1], DELIMS[kind][2]
    if not len then keep = true end
    local a, r = s:receive_buf(pat, keep)
    if not exact then return pos end
    local f1, l1 = S:find(pat, pos)
    if a then
      if type(r) ~= "string" then fail("receive_buf gave %s", type(r)) end
      if len then
        if not f1 then fail("match of %q returned, none in the stream", pat) end
        local want = keep and S:sub(pos, l1) or S:sub(pos, f1 - 1)
        if r ~= want then
          fail("receive_buf(%q, %s) gave %q, want %q", pat, keep, r, want)
        end
        return l1 + 1
      end
      if r ~= S:sub(pos, pos + #r - 1) then
        fail("receive_buf(%q) gave %q, not the stream at %d", pat, r, pos)
      end
      local rf, rl = r:find(pat)
      if rl ~= #r or rf ~= f1 - pos + 1 then
        fail("receive_buf(%q) gave %q: match %s-%s, stream match %s", pat,
             r, rf, rl, f1)
      end
      return pos + #r
    end
    if r == "EOF" then
      if f1 then fail("EOF, but %q matches at %d of %d", pat, f1, #S) end
    elseif r == "ERROR" then
      if #S - pos + 1 < f.max_receive then
        fail("ERROR before --max-receive: %d left, limit %d", #S - pos + 1,
             f.max_receive)
      end
      if f1 and l1 < pos + f.max_receive then
        fail("ERROR, but %q matches at %d-%d (limit %d from %d)", pat, f1,
             l1, f.max_receive, pos)
      end
    else
      fail("receive_buf(%q): %s, %s", pat, tostring(a), tostring(r))
    end
    return pos
  elseif kind == 7 then
    local n = (code >> 3) % 16 + 1
    local a, r = s:receive_buf(match.numbytes(n), keep)
    if not exact then return pos end
    if a then
      local want = S:sub(pos, pos + (keep and n or n - 1) - 1)
      if r ~= want or pos + n - 1 > #S then
        fail("numbytes(%d), %s: %q, want %q", n, keep, r, want)
      end
      return pos + n
    end
    local left = #S - pos + 1
    if r == "ERROR" then
      -- Allowed only when the limit comes before n bytes do.
      if n <= f.max_receive or left < f.max_receive then
        fail("numbytes(%d): ERROR with %d left, limit %d", n, left,
             f.max_receive)
      end
    elseif r ~= "EOF" or left >= n then
      fail("numbytes(%d): %s with %d left", n, tostring(r), left)
    end
    return pos
  else
    -- A delimiter function that returns impossible indices must raise
    -- (as Nmap does) once there is data, leaving the buffer alone.
    local ok, a, r = pcall(s.receive_buf, s, function(buf)
      return #buf + 2, 1
    end, keep)
    if ok then
      if a or (r ~= "EOF" and r ~= "ERROR") then
        fail("bad delimiter function: %s, %s", tostring(a), tostring(r))
      end
      if exact and r == "EOF" and pos <= #S then
        fail("bad delimiter function: EOF with %d bytes left", #S - pos + 1)
      end
    elseif not tostring(a):find("invalid indices") then
      fail("bad delimiter function raised %s", tostring(a))
    end
    return pos
  end
end

local function direct_op(s, f, code, pos, exact)
  local S, kind, a, r, n = f.stream, code % 3, nil, nil, nil
  if kind == 0 then
    a, r = s:receive()
  elseif kind == 1 then
    n = (code >> 2) * 3
    a, r = s:receive_bytes(n)
  else
    n = (code >> 2) % 8
    a, r = s:receive_lines(n)
  end
  if a then
    if type(r) ~= "string" or #r == 0 then
      fail("receive kind %d gave %s %q", kind, type(r), tostring(r))
    end
    if not exact then
      local at = S:find(r, pos, true)
      if not at then fail("receive gave bytes not in the stream: %q", r) end
      return at + #r
    end
    if r ~= S:sub(pos, pos + #r - 1) then
      fail("receive kind %d at %d gave %q, want %q", kind, pos, r,
           S:sub(pos, pos + #r - 1))
    end
    -- A read stops at --max-receive and returns what it has.
    local rest = pos + #r - 1 == #S or #r >= f.max_receive
    if kind == 1 and #r < n and not rest then
      fail("receive_bytes(%d) gave %d bytes, %d left", n, #r, #S - pos + 1)
    end
    if kind == 2 and lines_in(r) < n and not rest then
      fail("receive_lines(%d) gave %d lines", n, lines_in(r))
    end
    return pos + #r
  end
  if r ~= "EOF" then fail("receive kind %d: %s", kind, tostring(r)) end
  if exact and pos <= #S then fail("EOF with %d bytes unread", #S - pos + 1) end
  return pos
end

local function run(f)
  local s = nmap.new_socket()
  s:set_timeout(10000)
  assert(s:bind(f.src, 0))
  local ok, err = s:connect("127.0.0.1", f.port)
  if not ok then fail("connect: %s", tostring(err)) end
  local pos, exact = 1, f.mode ~= "mixed"
  for i = 1, #f.ops do
    local code = f.ops:byte(i)
    if f.mode == "buf" or (f.mode == "mixed" and code & 0x80 ~= 0) then
      pos = receive_buf_op(s, f, code, pos, exact)
    else
      pos = direct_op(s, f, code, pos, exact)
    end
  end
  if f.mode == "buf" then
    for _ = 1, #f.stream + 1 do
      local a, r = s:receive_buf(match.numbytes(1), true)
      if not a then
        if r ~= "EOF" or pos ~= #f.stream + 1 then
          fail("drain: %s at %d of %d", tostring(r), pos, #f.stream)
        end
        break
      end
      if r ~= f.stream:sub(pos, pos) then
        fail("drain at %d: %q, want %q", pos, r, f.stream:sub(pos, pos))
      end
      pos = pos + 1
    end
  elseif f.mode == "direct" then
    for _ = 1, #f.stream + 1 do
      local before = pos
      pos = direct_op(s, f, 0, pos, true)
      if pos == before then break end
    end
    if pos ~= #f.stream + 1 then
      fail("drain ended at %d of %d", pos, #f.stream)
    end
  end
  s:close()
end

action = function()
  local reg = nmap.registry
  reg.fuzz_verdict = "did not finish"
  local ok, err = pcall(run, reg.fuzz)
  reg.fuzz_verdict = ok and "ok" or tostring(err)
end
