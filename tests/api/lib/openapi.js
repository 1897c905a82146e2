// Validates responses against the OpenAPI 3.1 document anju serves: the
// operation is found by path template and method, the schema by status
// (or "default", the error envelope).
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

function escape(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function createValidator(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
  const templates = Object.keys(doc.paths).map((t) => ({
    t,
    re: new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
  }));
  const cache = new Map();

  function operation(method, path) {
    const p = path.split('?')[0];
    const m = templates.find(({ re }) => re.test(p));
    if (!m) return null;
    const op = doc.paths[m.t][method.toLowerCase()];
    return op ? { template: m.t, op } : null;
  }

  function check(method, path, status, json, headers) {
    if (!headers.get('x-request-id')) throw new Error(`${method} ${path}: no X-Request-Id`);
    const found = operation(method === 'HEAD' ? 'GET' : method, path);
    let pointer;
    if (found && found.op.responses[String(status)]) {
      pointer = `openapi.json#/paths/${escape(found.template)}/${(method === 'HEAD' ? 'get' : method.toLowerCase())}/responses/${status}/content/application~1json/schema`;
    } else {
      if (status < 400) throw new Error(`${method} ${path}: status ${status} is not documented`);
      pointer = 'openapi.json#/components/schemas/Error';
    }
    if (method === 'HEAD' || status === 304) return;
    let validate = cache.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: pointer });
      cache.set(pointer, validate);
    }
    if (!validate(json)) {
      throw new Error(`${method} ${path} ${status}: response does not match the OpenAPI document: ` +
        ajv.errorsText(validate.errors) + '\n' + JSON.stringify(json));
    }
  }
  return { check, operation };
}
