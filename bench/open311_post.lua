-- wrk script: Open311 POST requests.json as a partner, form-encoded, with
-- positions spread over Tensta centrum so that reports are not identical.
-- The key comes from the environment (OPEN311_KEY).
local key = os.getenv("OPEN311_KEY")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

request = function()
  n = n + 1
  local lat = 59.3935 + (n % 100) * 0.00001
  local lon = 17.9035 + (n % 97) * 0.00001
  local body = string.format(
    "api_key=%s&service_code=klotter-ovrigt&lat=%.6f&long=%.6f&description=Klotter+p%%C3%%A5+v%%C3%%A4ggen+nr+%d",
    key, lat, lon, n)
  return wrk.format(nil, nil, nil, body)
end
