// An independent client for the simulator: jsforce (pinned in package-lock.json) does what
// a Node integration would: OAuth login, a paged query through queryMore, a collections
// update with one failing record, a collections retrieve and a describe. It prints one
// JSON object for tests/simulator/test_jsforce.py to judge; it asserts nothing itself.
//
// Environment: SIM_INSTANCE_URL, SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_GOOD_LEAD,
// SIM_CONVERTED_LEAD; NODE_EXTRA_CA_CERTS trusts the simulator's throwaway CA.
import jsforce from "jsforce";

const env = process.env;
const conn = new jsforce.Connection({
  oauth2: {
    loginUrl: env.SIM_INSTANCE_URL,
    clientId: env.SIM_CLIENT_ID,
    clientSecret: env.SIM_CLIENT_SECRET,
  },
  version: "59.0",
});

const out = {};
const identity = await conn.authorize({ grant_type: "client_credentials" });
out.login = { userId: identity.id, instanceUrl: conn.instanceUrl };

const pages = [];
let page = await conn.query("SELECT Id, Status, Owner.Name FROM Lead");
pages.push(page.records.length);
const owners = new Set(page.records.map((r) => r.Owner && r.Owner.Name));
while (!page.done) {
  page = await conn.queryMore(page.nextRecordsUrl);
  pages.push(page.records.length);
}
out.query = { totalSize: page.totalSize, pages, owners: [...owners].sort() };

out.update = await conn.sobject("Lead").update(
  [
    { Id: env.SIM_GOOD_LEAD, Lead_Grade__c: "B" },
    { Id: env.SIM_CONVERTED_LEAD, Lead_Grade__c: "B" },
  ],
  { allOrNone: false },
);

const retrieved = await conn
  .sobject("Lead")
  .retrieve([env.SIM_GOOD_LEAD, env.SIM_CONVERTED_LEAD], { fields: ["Id", "Lead_Grade__c"] });
out.retrieve = retrieved.map((r) => (r ? { Id: r.Id, Lead_Grade__c: r.Lead_Grade__c } : null));

const described = await conn.sobject("Lead").describe();
out.describe = {
  name: described.name,
  fields: described.fields.map((f) => f.name),
  status: described.fields.find((f) => f.name === "Status").picklistValues.map((p) => p.value),
};

process.stdout.write(JSON.stringify(out));
