-- wrk: GET BENCH_PATH (a format with one %d) for random ids in 1..BENCH_ROWS,
-- with the Authorization header BENCH_AUTH.
local n = tonumber(os.getenv("BENCH_ROWS") or "1000")
local path = os.getenv("BENCH_PATH") or "/api/v1/units/%d"
local headers = { ["Authorization"] = os.getenv("BENCH_AUTH") }
local seeded = false

request = function()
	if not seeded then
		math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
		seeded = true
	end
	return wrk.format("GET", string.format(path, math.random(1, n)), headers)
end
