-- The 'zlib' module (src/lua/lzlib.c): one-shot and streaming use, data
-- from independent encoders (tests/fixtures/zlib), hostile input, and the
-- gzip decoding path of Nmap's own http.lua.
local t = dofile(os.getenv("NSX_TEST_DIR") .. "/lua/tap.lua")
local fixtures = os.getenv("NSX_TEST_DIR") .. "/fixtures/zlib/"

local function slurp(name)
  local f = assert(io.open(fixtures .. name, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

local function unhex(s)
  return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

-- The text every fixture holds.
local lines = {}
for i = 1, 5000 do lines[i] = "line " .. i end
local text = table.concat(lines, "\n") .. "\n"
local gz, zz, raw = slurp("lines.gz"), slurp("lines.zz"), slurp("lines.raw")

-- Module surface.
t.is(zlib, require "zlib", "require 'zlib' returns the global")
t.like(zlib.version(), "^%d+%.%d+", "version() looks like a zlib version")
t.is(zlib.BEST_COMPRESSION, 9, "BEST_COMPRESSION")
t.is(zlib.DEFAULT_COMPRESSION, -1, "DEFAULT_COMPRESSION")
t.is(zlib.GZIP_WINDOWBITS, 16, "GZIP_WINDOWBITS")

-- Checksums, against published values.
t.is(zlib.adler32(), 1, "adler32() is the initial value")
t.is(zlib.crc32(), 0, "crc32() is the initial value")
t.is(zlib.adler32(1, "Wikipedia"), 0x11E60398, "adler32 of 'Wikipedia'")
t.is(zlib.adler32(1, "abc"), 38600999, "adler32 of 'abc' (as Nmap)")
t.is(zlib.crc32(0, "123456789"), 0xCBF43926, "crc32 check value")
t.is(zlib.crc32(zlib.crc32(0, "1234"), "56789"), 0xCBF43926,
  "crc32 updates incrementally")
t.is(zlib.adler32(zlib.adler32(1, "Wiki"), "pedia"), 0x11E60398,
  "adler32 updates incrementally")
t.is(zlib.crc32(0, ""), 0, "crc32 of nothing")
t.raises(function() zlib.crc32(0) end, "bad argument #2", "crc32 needs data")
t.raises(function() zlib.adler32("x", "y") end, "bad argument #1",
  "adler32 needs a number")

-- One-shot round trips at several levels and on several kinds of data.
local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
local samples = {
  empty = "",
  one = "x",
  allbytes = table.concat(bytes):rep(40),
  text = text,
  zeros = ("\0"):rep(1 << 20),
}
for _, level in ipairs({0, 1, 6, 9, -1}) do
  for name, s in pairs(samples) do
    local c = zlib.compress(s, level)
    t.is(zlib.decompress(c), s,
      ("round trip, level %d, %s"):format(level, name))
  end
end
t.is(hex(zlib.compress("a"):sub(1, 2)), "789c", "default level header")
t.is(hex(zlib.compress("a", 1):sub(1, 2)), "7801", "level 1 header")
t.is(hex(zlib.compress("a", 9):sub(1, 2)), "78da", "level 9 header")
t.ok(#zlib.compress(samples.zeros, 9) < 2048, "zeros compress well")
t.is(#zlib.compress(text, 0) > #text, true, "level 0 stores")
t.is(zlib.decompress(zlib.compress(42)), "42", "numbers are strings")
t.is(zlib.decompress(zlib.compress(text, 9, 8, 15, 9, zlib.FILTERED)), text,
  "memLevel and strategy")

-- gzip and raw deflate made by compress, read back every way.
local mygz = zlib.compress(text, 6, 8, 31)
t.is(hex(mygz:sub(1, 2)), "1f8b", "windowBits 31 makes gzip")
t.is(zlib.decompress(mygz, 31), text, "decompress gzip with windowBits 31")
t.is(zlib.decompress(mygz, 47), text, "decompress gzip with windowBits 47")
t.is(zlib.inflate(mygz):read("a"), text, "inflate detects gzip")
local myraw = zlib.compress(text, 6, 8, -15)
t.is(zlib.decompress(myraw, -15), text, "raw deflate round trip")
t.is(zlib.inflate(myraw, -15):read("*a"), text, "raw deflate via inflate")
t.raises(function() zlib.decompress(myraw) end, "inflate:",
  "raw data is not zlib data")

-- Fixtures from gzip(1) and Python.
t.is(zlib.inflate(gz):read("*a"), text, "gzip(1) output via inflate")
t.is(zlib.decompress(gz, 31), text, "gzip(1) output via decompress")
t.raises(function() zlib.decompress(gz) end, "incorrect header check",
  "decompress's default windowBits means zlib only, as in Nmap")
t.is(zlib.decompress(zz), text, "zlib data via decompress")
t.is(zlib.inflate(zz):read("*a"), text, "zlib data via inflate")
t.is(zlib.inflate(zz, 15):read("*a"), text, "inflate windowBits 15")
t.is(zlib.decompress(raw, -15), text, "raw deflate via decompress")
t.is(zlib.inflate(raw, -15):read("*a"), text, "raw deflate via inflate")
t.raises(function() zlib.inflate(raw):read("*a") end, "inflate:",
  "raw data is neither zlib nor gzip")
t.is(zlib.inflate(gz .. "trailing junk"):read("a"), text,
  "bytes after the stream are ignored")
t.is(zlib.inflate(gz .. gz):read("a"), text,
  "only the first gzip member is read, as in Nmap")

-- Streaming reads.
do
  local s = zlib.inflate(gz)
  t.is(s:read(), "line 1", "read() reads a line")
  t.is(s:read("*l"), "line 2", "read('*l')")
  t.is(s:read("l"), "line 3", "read('l')")
  t.is(s:read("L"), "line 4\n", "read('L') keeps the newline")
  t.is(s:read(0), "", "read(0) before the end")
  t.is(s:read(4), "line", "read(4)")
  t.is(s:read(3), " 5\n", "read(3) crosses a newline")
  local a, b, c = s:read(2, "l", 1)
  t.ok(a == "li" and b == "ne 6" and c == "l", "several formats at once")
  local rest = s:read("a")
  t.is(#rest, #text - #"line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nl",
    "read('a') gets the rest")
  t.is(rest:sub(-10), "line 5000\n", "the rest ends where the text does")
  t.is(s:read("a"), "", "read('a') at the end gives ''")
  t.is(s:read(), nil, "read() at the end gives nil")
  t.is(s:read(5), nil, "read(5) at the end gives nil")
  t.is(s:read(0), nil, "read(0) at the end gives nil")
  t.is(s:adler(), zlib.crc32(0, text), "adler() of gzip data is its CRC-32")
  t.is(s:close(), true, "close()")
  t.is(s:close(), true, "close() again")
  t.raises(function() s:read() end, "closed", "read after close raises")
  t.like(tostring(s), "^zlib inflate stream %(closed%)$", "tostring, closed")
end
do
  local s = zlib.inflate(zz)
  t.like(tostring(s), "^zlib inflate stream %(0x%x+%)$", "tostring, open")
  local n, ok = 0, true
  for l in s:lines() do
    n = n + 1
    ok = ok and l == lines[n]
  end
  t.ok(ok and n == 5000, "lines() yields every line")
  t.is(s:adler(), zlib.adler32(1, text), "adler() of zlib data")
  local s2 = zlib.inflate(gz)
  local got, reads = {}, 0
  repeat
    local piece = s2:read(1000)
    reads = reads + 1
    got[#got + 1] = piece
  until not piece
  t.is(table.concat(got), text, "reading by count, 1000 at a time")
  t.is(reads, 49 + 1, "49 reads with data, then nil")
end
do
  local s = zlib.inflate(zlib.compress("no newline at end"))
  t.is(s:read("L"), "no newline at end", "last line without newline")
  t.is(s:read("L"), nil, "then nil")
end

-- Sources that are not strings.
do
  local i, calls, counts = 0, 0, true
  local s = zlib.inflate(function(n)
    calls = calls + 1
    counts = counts and math.type(n) == "integer" and n > 0
    local piece = gz:sub(i + 1, i + 7)
    i = i + 7
    return piece
  end)
  t.is(s:read("a"), text, "function source, 7 bytes at a time")
  t.ok(calls >= #gz // 7, "the source was called for every piece")
  t.ok(counts, "a source is asked for a byte count")
  local obj = {pos = 0}
  function obj:read(n)
    local piece = zz:sub(self.pos + 1, self.pos + 100)
    self.pos = self.pos + 100
    if piece ~= "" then return piece end
  end
  t.is(zlib.inflate(obj):read("a"), text, "object with a read method")
  local f = assert(io.open(fixtures .. "lines.gz", "rb"))
  t.is(zlib.inflate(f):read("a"), text, "a file handle as the source")
  f:close()
  t.is(zlib.inflate(function() return nil end):read("a"), "",
    "an empty source is an empty stream")
  t.raises(function() zlib.inflate(function() return {} end):read() end,
    "source returned a table", "a source must return strings")
  t.raises(function() zlib.inflate(function() error("boom") end):read() end,
    "boom", "errors in the source propagate")
  local s
  s = zlib.inflate(function() s:close() return gz end)
  t.raises(function() s:read() end, "closed by its own source",
    "a source that closes its stream")
end

-- Truncated, corrupt and hostile input raise clean errors.
t.raises(function() zlib.decompress("") end, "truncated", "decompress ''")
t.raises(function() zlib.decompress(zz:sub(1, -2)) end, "truncated",
  "decompress of truncated zlib data")
t.raises(function() zlib.decompress("garbage here") end,
  "incorrect header check", "decompress of garbage")
-- Inflate streams end where truncated input ends, keeping what they
-- decoded (Nmap's behaviour, which http.lua's output depends on).
t.ok(#zlib.inflate(gz:sub(1, 20)):read("a") < 20,
  "inflate of truncated gzip data gives what it decoded")
t.is(zlib.inflate(gz:sub(1, -5)):read("a"), text,
  "gzip data missing its length gives all the data")
do
  local s = zlib.inflate(gz:sub(1, #gz // 2))
  t.is(s:read(), "line 1", "lines before a truncation can be read")
  local n = 1
  for _ in s:lines() do n = n + 1 end
  t.ok(n > 1 and n < 5000, "lines stop at the truncation (" .. n .. ")")
  t.is(s:read(), nil, "and then the stream is at its end")
end
do
  local bad = gz:sub(1, 100) .. string.char(gz:byte(101) ~ 0xff) .. gz:sub(102)
  t.raises(function() zlib.inflate(bad):read("a") end, "inflate:",
    "corrupt deflate data raises")
  local badcrc = gz:sub(1, -9) .. string.char(gz:byte(-8) ~ 1) .. gz:sub(-7)
  t.raises(function() zlib.inflate(badcrc):read("a") end,
    "incorrect data check",
    "a wrong CRC raises")
  local badadler = zz:sub(1, -2) .. string.char(zz:byte(-1) ~ 1)
  t.raises(function() zlib.decompress(badadler) end, "incorrect data check",
    "a wrong Adler-32 raises")
end
do
  local clean = true
  for i = 1, #mygz - 1 do
    local ok, err = pcall(zlib.decompress, mygz:sub(1, i), 31)
    if ok or not tostring(err):find("inflate:") then clean = false end
  end
  t.ok(clean, "every truncation of a gzip stream raises")
  -- Random corruption: any outcome but a crash is fine; errors are strings.
  local seed = 12345
  local function rand(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n + 1
  end
  local outcomes = {ok = 0, err = 0}
  clean = true
  for _ = 1, 2000 do
    local b = {mygz:byte(1, -1)}
    for _ = 1, rand(4) do
      local i = rand(#b)
      b[i] = rand(256) - 1
    end
    local ok, err = pcall(function()
      return zlib.inflate(string.char(table.unpack(b))):read("a")
    end)
    outcomes[ok and "ok" or "err"] = outcomes[ok and "ok" or "err"] + 1
    if not ok and type(err) ~= "string" then clean = false end
  end
  t.ok(clean and outcomes.err > 1000, "2000 corrupted streams fail cleanly")
end

-- A zip bomb: small input, huge output. Reading it in pieces works in
-- bounded memory; asking for all of it at once hits the output limit.
do
  local chunks = {}
  local d = zlib.deflate(function(c) chunks[#chunks + 1] = c end, 9)
  local mib = ("\0"):rep(1 << 20)
  for _ = 1, 100 do d:write(mib) end
  d:close()
  local bomb = table.concat(chunks)
  t.ok(#bomb < 200 * 1024, "100 MiB of zeros deflate to " .. #bomb .. " bytes")
  local s = zlib.inflate(bomb)
  local piece = s:read(1 << 20)
  t.is(piece, mib, "a bomb can be read by count")
  s:close()
  local ok, err = pcall(zlib.decompress, bomb)
  t.like(not ok and err, "exceeds the 64 MiB limit",
    "decompress stops at the output limit")
  collectgarbage()
  s = zlib.inflate(bomb)
  ok, err = pcall(s.read, s, "a")
  t.like(not ok and err, "exceeds the 64 MiB limit",
    "read('a') stops at the output limit")
  t.is(#s:read(1 << 20), 1 << 20, "the stream can still be read by count")
  s:close()
  collectgarbage()
end

-- Deflate streams.
do
  local out = {}
  local d = zlib.deflate(function(c) out[#out + 1] = c end)
  t.like(tostring(d), "^zlib deflate stream %(0x%x+%)$", "deflate tostring")
  t.is(d:write("abc", "def"), true, "write() several strings")
  t.is(d:write(""), true, "write('')")
  t.is(d:flush(), true, "flush() (sync)")
  local partial = zlib.inflate(table.concat(out))
  t.is(partial:read(6), "abcdef", "a sync flush makes the data readable")
  t.is(partial:read(1), nil, "an unfinished stream ends with its input")
  d:write("ghi")
  t.is(d:flush("full"), true, "flush('full')")
  d:write(text)
  t.is(d:adler(), zlib.adler32(1, "abcdefghi" .. text), "deflate adler()")
  t.is(d:close(), true, "close() finishes the stream")
  t.is(d:close(), true, "close() again")
  t.is(zlib.decompress(table.concat(out)), "abcdefghi" .. text,
    "deflate stream output decodes")
  t.raises(function() d:write("x") end, "closed", "write after close raises")
  t.raises(function() d:flush() end, "closed", "flush after close raises")

  local sink = {buf = {}}
  function sink:write(c) self.buf[#self.buf + 1] = c end
  local d2 = zlib.deflate(sink, 9, 8, 31)
  d2:write(text)
  t.is(d2:flush("finish"), true, "flush('finish')")
  t.raises(function() d2:write("x") end, "closed", "finish closes the stream")
  t.is(zlib.decompress(table.concat(sink.buf), 31), text,
    "object sink, gzip output")
  t.raises(function() d2:flush("bogus") end, "closed", "flush on closed")
  local d3 = zlib.deflate(function() end)
  t.raises(function() d3:flush("bogus") end, "invalid option",
    "flush checks its mode")
  t.raises(function() d3:write("a", {}) end, "bad argument #2",
    "write checks every argument first")
  local d4
  d4 = zlib.deflate(function() d4:close() end)
  t.raises(function() d4:write(text) end, "closed by its own source or sink",
    "a sink that closes its stream")
  t.is(tostring(d4), "zlib deflate stream (closed)", "and it is closed")
  local d5 = zlib.deflate(function() error("sink failed") end)
  t.raises(function() d5:close() end, "sink failed", "sink errors propagate")
end

-- Dictionaries.
do
  local dict = "line 1\nline 2\nline 3\n"
  local out = {}
  local d = zlib.deflate(function(c) out[#out + 1] = c end,
    9, 8, 15, 8, 0, dict)
  d:write("line 1\nline 2\n")
  d:close()
  local c = table.concat(out)
  t.is(zlib.inflate(c, 15, dict):read("a"), "line 1\nline 2\n",
    "zlib data with a dictionary")
  t.raises(function() zlib.inflate(c):read("a") end, "needs a dictionary",
    "a missing dictionary raises")
  t.raises(function() zlib.inflate(c, 15, "wrong"):read("a") end,
    "wrong dictionary", "a wrong dictionary raises")
  out = {}
  d = zlib.deflate(function(x) out[#out + 1] = x end, 9, 8, -15, 8, 0, dict)
  d:write("line 3\n")
  d:close()
  t.is(zlib.inflate(table.concat(out), -15, dict):read("a"), "line 3\n",
    "raw deflate with a dictionary")
end

-- Argument checks.
t.raises(function() zlib.compress() end, "bad argument #1", "compress()")
t.raises(function() zlib.compress("x", 42) end, "bad argument #2",
  "compress level out of range")
t.raises(function() zlib.compress("x", 6, 9) end, "bad argument #3",
  "compress method other than deflate")
t.raises(function() zlib.compress("x", 6, 8, 99) end, "bad argument #4",
  "compress windowBits out of range")
t.raises(function() zlib.compress("x", 6, 8, 15, 0) end, "bad argument #5",
  "compress memLevel out of range")
t.raises(function() zlib.compress("x", 6, 8, 15, 8, 9) end, "bad argument #6",
  "compress strategy out of range")
t.raises(function() zlib.decompress(nil) end, "bad argument #1",
  "decompress(nil)")
t.raises(function() zlib.decompress("x", 99) end, "bad argument #2",
  "decompress windowBits")
t.raises(function() zlib.inflate() end, "bad argument #1", "inflate()")
t.raises(function() zlib.inflate(true) end, "bad argument #1",
  "inflate(true)")
t.raises(function() zlib.inflate("x", 99) end, "bad argument #2",
  "inflate windowBits out of range")
t.raises(function() zlib.inflate("x", 5) end, "bad argument #2",
  "inflate windowBits zlib rejects")
t.raises(function() zlib.deflate() end, "bad argument #1", "deflate()")
t.raises(function() zlib.deflate("sink") end, "bad argument #1",
  "deflate needs a function or object")
t.raises(function() zlib.inflate(gz):read("*n") end, "invalid format",
  "read('*n') is not supported")
t.raises(function() zlib.inflate(gz):read(-1) end, "negative",
  "read(-1)")
do
  local s = zlib.inflate(gz)
  t.raises(function() s.read(zlib.deflate(function() end)) end,
    "nsx.zlib.inflate expected", "methods check their stream type")
  t.raises(function() getmetatable(s).__gc("x") end, "zlib stream expected",
    "__gc checks its argument")
end

-- Collection and to-be-closed variables.
do
  for _ = 1, 50 do
    zlib.inflate(gz):read(10)
    zlib.deflate(function() end):write(text)
  end
  collectgarbage()
  collectgarbage()
  t.ok(true, "abandoned streams are collected")
  local s2
  do
    local s <close> = zlib.inflate(gz)
    s2 = s
    s:read()
  end
  t.like(tostring(s2), "closed", "<close> closes a stream")
end

-- Nmap's http.lua decodes gzip bodies with inflate() and read(); run its
-- own content-encoding unit tests. http.lua needs an 'nmap' module at load
-- time; a stub with the few fields its dependencies touch is enough.
do
  local f = io.open("/usr/share/nmap/nselib/http.lua")
  if not f then
    t.ok(true, "# skip: /usr/share/nmap/nselib/http.lua not installed")
  else
    f:close()
    package.path = "/usr/share/nmap/nselib/?.lua;" .. package.path
    SCRIPT_NAME = "t-zlib"
    local nmap = setmetatable({
      registry = {args = {["unittest.run"] = "1"}},
      debugging = function() return 0 end,
      verbosity = function() return 0 end,
      address_family = function() return "inet" end,
      have_ssl = function() return true end,
      fetchfile = function() return nil end,
      timing_level = function() return 3 end,
      log_write = function() end,
      socket = {sleep = function() end},
    }, {__index = function() return function() end end})
    package.preload.nmap = function() return nmap end
    local ok, http = pcall(require, "http")
    if not ok then
      t.ok(false, "load http.lua: " .. tostring(http))
    else
      local n = 0
      for _, test in ipairs(http.test_suite.tests) do
        local name = test[2]
        if name:find("encod") then
          local status, note = test[1](http.test_suite)
          t.ok(status, "http.lua: " .. name .. (note and (" " .. note) or ""))
          n = n + 1
        end
      end
      t.ok(n >= 45, "http.lua has its content-encoding tests (" .. n .. ")")
    end
  end
end

t.done()
