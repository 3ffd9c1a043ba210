-- wrk script: add then remove one member of the big group (group 0), alternating, as Okta pushes
-- membership (docs/idp-compatibility.md): add via `members` value list, remove via a filtered path.
local token = os.getenv("SCIM_TOKEN")
local users = tonumber(os.getenv("SCIM_USERS") or "10000")
local base = os.getenv("SCIM_PATH") or "/t/load/scim/v2"
local group = base .. "/Groups/00000000-0000-4000-9000-000000000000"
local n = 0
local member

request = function()
  n = n + 1
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/scim+json" }
  local body
  if n % 2 == 1 then
    member = string.format("00000000-0000-4000-8000-%012d", users - 1 - (n % 1000))
    body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' ..
           '{"op":"add","path":"members","value":[{"value":"' .. member .. '"}]}]}'
  else
    body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' ..
           '{"op":"remove","path":"members[value eq \\"' .. member .. '\\"]"}]}'
  end
  return wrk.format("PATCH", group, headers, body)
end

response = function(status, headers, body)
  if status ~= 204 then
    wrk.thread:stop()
    io.stderr:write("unexpected response " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
