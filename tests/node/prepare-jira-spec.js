#!/usr/bin/env node
// Makes a servable copy of one of Atlassian's Jira OpenAPI specs for Prism,
// correcting at test time the defects that would make Prism reject genuine
// Jira requests (shared/research/env-feasibility.md §3). The reference file
// itself is never modified or copied into the repository.
//
//   node prepare-jira-spec.js cloud|dc IN.json OUT.json
//
// Data Center (10.3):
//   - paths are relative to the server URL "/rest": prefix them, since Prism
//     ignores server paths;
//   - IssueUpdateBean.fields values are typed "object", so a summary string
//     is rejected: allow any value;
//   - StringList (the type of ?fields= and ?expand=) is typed "object"; Jira
//     reads it as a comma-separated string;
//   - personal access tokens (Authorization: Bearer, Jira 8.14+) are not
//     declared: add a bearer scheme beside basic to every operation.
// Both: the attachment upload's multipart body is declared as one binary
// string (DC) or an array of files (Cloud), which no multipart form can
// be; Jira reads the parts named "file", so that is what is required.
// Cloud (v3): examples are JSON text in strings; Prism is run in dynamic
// mode (-d), which builds answers from the schemas instead.
'use strict';
const fs = require('fs');
const [kind, input, output] = process.argv.slice(2);
if (!['cloud', 'dc'].includes(kind) || !input || !output) {
  console.error('usage: prepare-jira-spec.js cloud|dc IN.json OUT.json');
  process.exit(2);
}
const d = JSON.parse(fs.readFileSync(input, 'utf8'));
if (kind === 'dc') {
  d.paths = Object.fromEntries(Object.entries(d.paths).map(([p, v]) => ['/rest' + p, v]));
  d.servers = [{ url: 'http://127.0.0.1' }];
  const s = d.components.schemas;
  s.IssueUpdateBean.properties.fields.additionalProperties = {};
  s.StringList = { type: 'string' };
  d.components.securitySchemes.bearer = { type: 'http', scheme: 'bearer' };
  for (const item of Object.values(d.paths))
    for (const op of Object.values(item))
      if (op && typeof op === 'object' && Array.isArray(op.security) &&
          op.security.some(r => 'basic' in r))
        op.security.push({ bearer: [] });
}
for (const [path, item] of Object.entries(d.paths)) {
  const form = path.endsWith('/attachments') && item.post && item.post.requestBody &&
    item.post.requestBody.content && item.post.requestBody.content['multipart/form-data'];
  if (form)
    form.schema = {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    };
}
fs.writeFileSync(output, JSON.stringify(d));
