-- Paced load for Wrk.paced: requests leave on one schedule shared by all threads, `rate` a second whatever the
-- answers take, and each latency counts from the request's scheduled send time, so a stall also counts against the
-- requests it held back (no coordinated omission, as in wrk2). One connection per thread: a thread's answers come
-- back in the order its requests left. Wrk.paced defines bodies, headers, rate, connections (one a thread),
-- warmup_ms and window_ms before this script. done() prints the answers whose slot lies in the window after the
-- warm-up.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } kiln_timespec;
int clock_gettime(int clock, kiln_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("kiln_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

-- A send this long after its slot is late: the timer itself fires within a millisecond.
local LATE_MS = 2
local interval_ms = 1000 / rate

-- The main state's: every thread's handle, and the schedule's start, a moment after the first thread exists.
local all_threads = {}
local shared_start_ms

function setup(thread)
  shared_start_ms = shared_start_ms or now_ms() + 200
  thread:set("slot_offset", #all_threads)
  thread:set("start_ms", shared_start_ms)
  table.insert(all_threads, thread)
end

-- Each thread's (globals, which done() reads through thread:get); slot_offset and start_ms come from setup().
latencies, answered, failed, late = {}, 0, 0, 0
local next_slot, scheduled, sent, body = 0, 0, 0, 0

function delay()
  scheduled = start_ms + (next_slot * connections + slot_offset) * interval_ms
  next_slot = next_slot + 1
  -- wrk waits whole milliseconds: rounding down sends up to 1 ms early, measured from the real send then.
  return math.max(0, math.floor(scheduled - now_ms()))
end

function request()
  sent = now_ms()
  body = body % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[body])
end

function response(status)
  local at = scheduled - start_ms
  if at < warmup_ms or at >= warmup_ms + window_ms then
    return
  end
  answered = answered + 1
  if status < 200 or status > 299 then
    failed = failed + 1
  else
    latencies[#latencies + 1] = now_ms() - math.min(scheduled, sent)
  end
  if sent - scheduled > LATE_MS then
    late = late + 1
  end
end

function done(summary)
  local all = {}
  local totals = { answered = 0, failed = 0, late = 0 }
  for _, thread in ipairs(all_threads) do
    for _, ms in ipairs(thread:get("latencies")) do
      all[#all + 1] = string.format("%.3f", ms)
    end
    for name in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local errors = summary.errors
  io.write(string.format("kiln-paced answered %d failed %d late %d socket-errors %d\n", totals.answered,
      totals.failed, totals.late, errors.connect + errors.read + errors.write + errors.timeout))
  io.write("kiln-paced-latencies-ms " .. table.concat(all, " ") .. "\n")
end
