-- wrk: POST /api/v1/search cycling through the queries in BENCH_QUERIES (one
-- per line: names' prefixes, phones, ID numbers, unit numbers), with the
-- Authorization header BENCH_AUTH.
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do
	queries[#queries + 1] = line
end
local headers = { ["Authorization"] = os.getenv("BENCH_AUTH"), ["Content-Type"] = "application/json" }
local i = 0

request = function()
	i = i % #queries + 1
	return wrk.format("POST", "/api/v1/search", headers, '{"q":"' .. queries[i] .. '"}')
end
