-- wrk script for bench/run.sh.
--   BENCH_ORG_COUNT=N  request GET /v1/orgs/{id} for a random one of the N
--                      organizations bench/run.sh seeds (ids ...-8000-000000000001..N)
--   BENCH_IDS_FILE, BENCH_BID_IDS_FILE, BENCH_CONFIRM_IDS_FILE, BENCH_LOGIN_FILE: below
--   always             print one machine-readable BENCH line when the run is done
local org_count = tonumber(os.getenv("BENCH_ORG_COUNT") or "")

-- a different sequence per thread: the address of a fresh table differs
local function seed_thread()
	math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003))
end

-- the non-empty lines of a file
local function read_ids(file)
	local ids = {}
	for line in io.lines(file) do
		if line ~= "" then ids[#ids + 1] = line end
	end
	return ids
end

if org_count and org_count > 0 then
	seed_thread()
	function request()
		local path = string.format("/v1/orgs/00000000-0000-4000-8000-%012d",
			math.random(1, org_count))
		return wrk.format(nil, path)
	end
end

-- BENCH_IDS_FILE=F: request the path with {id} replaced by a random line of F
local ids_file = os.getenv("BENCH_IDS_FILE")
if ids_file and ids_file ~= "" then
	local ids = read_ids(ids_file)
	seed_thread()
	function request()
		return wrk.format(nil, string.format("/v1/listings/%s", ids[math.random(1, #ids)]))
	end
end

-- BENCH_BID_IDS_FILE=F, BENCH_TOKEN=T: POST an offer to a random listing of F,
-- each with an Idempotency-Key of its own, as the bearer of T
local bid_file = os.getenv("BENCH_BID_IDS_FILE")
if bid_file and bid_file ~= "" then
	local ids = read_ids(bid_file)
	seed_thread()
	local tag = string.format("%x%x", os.time(), math.random(1, 2147483647))
	local headers = {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
	}
	local sent = 0
	function request()
		sent = sent + 1
		headers["Idempotency-Key"] = string.format("bench-%s-%d", tag, sent)
		local body = string.format('{"amount_fen":%d,"transaction_mode":"exclusive_license",' ..
			'"message":"基准测试报价：拟建年处理赤泥30万吨生产线","terms":{"royalty_bp":300,' ..
			'"term_months":60,"territory":"山东省"}}', 30000000 + sent)
		return wrk.format("POST", string.format("/v1/listings/%s/bids", ids[math.random(1, #ids)]),
			headers, body)
	end
end

-- BENCH_CONFIRM_IDS_FILE=F, BENCH_TOKEN=T: POST /v1/payments/{id}/confirm for the ids
-- of F in order, each thread from a random place of its own (a payment confirmed
-- twice answers 200 and adds nothing, as the API promises)
local confirm_file = os.getenv("BENCH_CONFIRM_IDS_FILE")
if confirm_file and confirm_file ~= "" then
	local ids = read_ids(confirm_file)
	seed_thread()
	local next_i = math.random(1, #ids)
	local headers = {["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")}
	function request()
		next_i = next_i % #ids + 1
		return wrk.format("POST", string.format("/v1/payments/%s/confirm", ids[next_i]), headers)
	end
end

-- BENCH_LOGIN_FILE=F, BENCH_PASSWORD=P: POST /v1/auth/login as a random email of F
local login_file = os.getenv("BENCH_LOGIN_FILE")
if login_file and login_file ~= "" then
	local emails = read_ids(login_file)
	seed_thread()
	local headers = {["Content-Type"] = "application/json"}
	local password = os.getenv("BENCH_PASSWORD")
	function request()
		local body = string.format('{"email":"%s","password":"%s"}',
			emails[math.random(1, #emails)], password)
		return wrk.format("POST", "/v1/auth/login", headers, body)
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
		"non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
		summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
		latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
