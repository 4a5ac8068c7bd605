-- wrk script: a realistic ~800-byte Entra workforce request, Basic auth, a different user on every
-- request (identical bodies would be answered from the retry window and not recorded).
-- Environment: GATEHOUSE_BENCH_AUTH (base64 of user:password), GATEHOUSE_BENCH_DELAY_MS (optional: a
-- fixed pause per connection between requests, for a steady rate of connections * 1000 / delay).
local auth = os.getenv("GATEHOUSE_BENCH_AUTH") or ""
local pause = tonumber(os.getenv("GATEHOUSE_BENCH_DELAY_MS") or "0")
local counter = 0
local thread_id = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. auth

local template = [[{"email":"user-%d-%d@contoso-example.com","displayName":"Ada Lovelace %d","givenName":"Ada","surname":"Lovelace","jobTitle":"Analytical Engine Programmer","streetAddress":"12 St James's Square","city":"London","postalCode":"SW1Y 4JH","state":"Greater London","country":"United Kingdom","ui_locales":"en-GB","identities":[{"signInType":"federated","issuer":"google.com","issuerAssignedId":"1089432%d"}],"extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_CostCenter":"CC-4711","extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_EmployeeNumber":%d,"extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_Newsletter":true,"extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_Department":"Research and Development","extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_Region":"EMEA-North"}]]

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + (id or 0))
end

request = function()
  counter = counter + 1
  local body = string.format(template, id or 0, counter, counter, counter, counter)
  return wrk.format(nil, nil, nil, body)
end

if pause > 0 then
  delay = function() return pause end
end
