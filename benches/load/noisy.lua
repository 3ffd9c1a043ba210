-- wrk script: a noisy tenant looping a filter no index serves (a full scan of its users), as a
-- misconfigured IdP or a reporting job might. Environment: SCIM_TOKEN, SCIM_PATH.
local token = os.getenv("SCIM_TOKEN")
local base = os.getenv("SCIM_PATH") or "/t/load/scim/v2"

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local filter = 'displayName co "zz" or title ew "q" or nickName co "x"'
local path = base .. "/Users?filter=" .. urlencode(filter) .. "&count=10"

request = function()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

response = function(status, headers, body)
  if status ~= 200 then
    wrk.thread:stop()
    io.stderr:write("unexpected response " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
