-- wrk script: Okta's deactivation (docs/idp-compatibility.md), a no-path PATCH replace, on random users.
local token = os.getenv("SCIM_TOKEN")
local users = tonumber(os.getenv("SCIM_USERS") or "10000")
local base = os.getenv("SCIM_PATH") or "/t/load/scim/v2"
local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],' ..
             '"Operations":[{"op":"replace","value":{"active":false}}]}'

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  local i = math.random(0, users - 1)
  local path = string.format("%s/Users/00000000-0000-4000-8000-%012d", base, i)
  return wrk.format("PATCH", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/scim+json",
  }, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    wrk.thread:stop()
    io.stderr:write("unexpected response " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
