-- wrk script: GET /Users?filter=<attr> eq "<value of a random generated user>", as IdPs send it.
-- Environment: SCIM_TOKEN, SCIM_USERS (how many users were seeded), SCIM_SHAPE (userName |
-- externalId | email), SCIM_PATH (the tenant's base path).
local token = os.getenv("SCIM_TOKEN")
local users = tonumber(os.getenv("SCIM_USERS") or "10000")
local shape = os.getenv("SCIM_SHAPE") or "userName"
local base = os.getenv("SCIM_PATH") or "/t/load/scim/v2"

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  local i = math.random(0, users - 1)
  local filter
  if shape == "externalId" then
    filter = string.format('externalId eq "ext-%d"', i)
  elseif shape == "email" then
    -- Entra's non-RFC form (docs/idp-compatibility.md), accepted under the interop profile.
    filter = string.format('emails[type eq "work"].value eq "user%d@example.com"', i)
  else
    filter = string.format('userName eq "user%d@example.com"', i)
  end
  local path = base .. "/Users?filter=" .. urlencode(filter) .. "&startIndex=1&count=100"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

response = function(status, headers, body)
  if status ~= 200 or not body:find('"totalResults":%s*1[,}]') then
    wrk.thread:stop()
    io.stderr:write("unexpected response " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
