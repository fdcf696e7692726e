// Validates GraphQL documents against Shopify's published Admin API schema (the introspection JSON that
// @shopify/dev-mcp ships; tests/test.sh fetches it into tests/tools/shopify-schema/admin_<version>.json.gz).
//
//   node validate.mjs --serve       newline-delimited JSON requests on stdin, one JSON result line each on stdout,
//                                   in order, until stdin closes
//   node validate.mjs <file.json>   a JSON array of requests; prints a JSON array of results;
//                                   exit code 0 when every request is valid, 1 otherwise (2 on a usage error)
//
// Request:  {id, version, query, variables?, operationName?}
// Result:   {id, errors: [{message, locations?, path?, code}], requestedQueryCost}
//
// Error codes:
//   GRAPHQL_PARSE_FAILED        the document does not parse
//   GRAPHQL_VALIDATION_FAILED   graphql-js validate() against the schema, or the operation to run cannot be chosen
//                               (several operations and no/unknown operationName)
//   INVALID_VARIABLE            getVariableValues() rejects the variables (missing, wrong type, unknown input field)
//   IDEMPOTENCY_KEY_REQUIRED    2026-04 and later: a mutation from IDEMPOTENT_MUTATIONS without @idempotent(key:)
//                               (or with an empty/whitespace key)
//   CHANGE_FROM_QUANTITY_REQUIRED  2026-04 and later: an object of a type in CHANGE_FROM_QUANTITY_TYPES without the
//                               changeFromQuantity field (null is allowed, absent is not), as a literal or in variables
//   UNKNOWN_API_VERSION         no schema file for the version
//   BAD_REQUEST                 the request line is not a JSON object with a string query
//
// The two 2026-04 rules are runtime rules that the schema's types cannot express (the directive is optional in the
// schema; changeFromQuantity is a nullable Int that must nevertheless be present). Sources:
//   https://shopify.dev/changelog/making-idempotency-mandatory-for-inventory-adjustments-and-refund-mutations
//   https://shopify.dev/changelog/making-changefromquantity-field-required
// The mutation list is the changelog's, cross-checked against the 2026-04 schema itself: exactly these mutation
// fields say "As of 2026-04, the idempotency key is required" in their descriptions. The type list is every input
// type whose changeFromQuantity description says "This field is mandatory" in 2026-04 and later.
import { readFileSync, readdirSync, existsSync, realpathSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  buildClientSchema, parse, validate, getOperationAST, getVariableValues, typeFromAST, valueFromAST,
  TypeInfo, visit, visitWithTypeInfo, getNamedType, isNonNullType, isListType, isInputObjectType, isLeafType,
  isObjectType, Kind,
} from 'graphql';

const here = path.dirname(fileURLToPath(import.meta.url));
export const schemaDir = path.resolve(here, '..', 'shopify-schema');

export const RULES_FROM_VERSION = '2026-04';

export const IDEMPOTENT_MUTATIONS = new Set([
  'refundCreate',
  'inventoryAdjustQuantities',
  'inventoryMoveQuantities',
  'inventorySetQuantities',
  'inventorySetOnHandQuantities',
  'inventorySetScheduledChanges',
  'inventoryActivate',
  'inventoryShipmentCreate',
  'inventoryShipmentCreateInTransit',
  'inventoryShipmentAddItems',
  'inventoryShipmentReceive',
  'inventoryTransferCreate',
  'inventoryTransferCreateAsReadyToShip',
  'inventoryTransferDuplicate',
  'inventoryTransferSetItems',
  'locationActivate',
  'locationDeactivate',
]);

export const CHANGE_FROM_QUANTITY_TYPES = new Set([
  'InventoryChangeInput', // inventoryAdjustQuantities(input: {changes: [...]})
  'InventoryQuantityInput', // inventorySetQuantities(input: {quantities: [...]})
  'InventoryMoveQuantityTerminalInput', // inventoryMoveQuantities(input: {changes: [{from, to}]})
  'InventorySetQuantityInput', // inventorySetOnHandQuantities(input: {setQuantities: [...]})
  'InventoryAdjustmentInput', // productVariantsBulkCreate/Update(variants: [{quantityAdjustments: [...]}])
]);

const schemas = new Map();

export function availableVersions() {
  if (!existsSync(schemaDir)) return [];
  return readdirSync(schemaDir)
    .map((f) => /^admin_(.+)\.json\.gz$/.exec(f)?.[1])
    .filter(Boolean)
    .sort();
}

export function loadSchema(version) {
  let schema = schemas.get(version);
  if (schema === undefined) {
    const file = path.join(schemaDir, `admin_${version}.json.gz`);
    if (!/^[\w-]+$/.test(String(version)) || !existsSync(file)) return null;
    const json = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
    schema = buildClientSchema(json.data ?? json, { assumeValid: true });
    schemas.set(version, schema);
  }
  return schema;
}

const rulesApply = (version) => version === 'unstable' || version >= RULES_FROM_VERSION;

function toError(e, code, extraPath) {
  const out = { message: e.message };
  if (e.locations?.length) out.locations = e.locations.map(({ line, column }) => ({ line, column }));
  const p = extraPath ?? e.path;
  if (p?.length) out.path = p;
  out.code = code;
  return out;
}

function at(node) {
  const t = node?.loc?.startToken;
  return t ? [{ line: t.line, column: t.column }] : undefined;
}

function err(message, code, node, p) {
  const e = { message };
  const loc = at(node);
  if (loc?.length) e.locations = loc;
  if (p?.length) e.path = p;
  e.code = code;
  return e;
}

export function validateRequest(req) {
  const id = req?.id ?? null;
  const result = (errors, cost = 0) => ({ id, errors, requestedQueryCost: cost });
  if (req === null || typeof req !== 'object' || typeof req.query !== 'string') {
    return result([{ message: 'A request is a JSON object with a string "query".', code: 'BAD_REQUEST' }]);
  }
  const version = String(req.version ?? '');
  const schema = loadSchema(version);
  if (!schema) {
    return result([{
      message: `No Shopify Admin schema for API version "${version}" (have: ${availableVersions().join(', ') || 'none'}).`,
      code: 'UNKNOWN_API_VERSION',
    }]);
  }

  let document;
  try {
    document = parse(req.query);
  } catch (e) {
    return result([toError(e, 'GRAPHQL_PARSE_FAILED')]);
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length) return result(validationErrors.map((e) => toError(e, 'GRAPHQL_VALIDATION_FAILED')));

  const operationName = req.operationName ?? null;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName
      ? `Unknown operation named "${operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
    return result([{ message, code: 'GRAPHQL_VALIDATION_FAILED' }]);
  }

  const rawVariables = req.variables ?? {};
  if (typeof rawVariables !== 'object' || Array.isArray(rawVariables)) {
    return result([{ message: 'Variables must be a JSON object.', code: 'INVALID_VARIABLE' }]);
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables, { maxErrors: 50 });
  if (coerced.errors) return result(coerced.errors.map((e) => toError(e, 'INVALID_VARIABLE')));
  const variables = coerced.coerced;

  const fragments = Object.create(null);
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;

  const errors = [];
  if (rulesApply(version)) {
    checkIdempotency(schema, operation, fragments, variables, errors);
    checkChangeFromQuantity(schema, document, operation, rawVariables, errors);
  }
  const cost = operationCost(schema, operation, fragments, variables);
  return result(errors, cost);
}

// --- @idempotent on the root mutation fields -------------------------------------------------------------------

function rootFields(selectionSet, fragments, out = [], seen = new Set()) {
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) rootFields(s.selectionSet, fragments, out, seen);
    else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value) && fragments[s.name.value]) {
      seen.add(s.name.value);
      rootFields(fragments[s.name.value].selectionSet, fragments, out, seen);
    }
  }
  return out;
}

function checkIdempotency(schema, operation, fragments, variables, errors) {
  if (operation.operation !== 'mutation') return;
  for (const field of rootFields(operation.selectionSet, fragments)) {
    const name = field.name.value;
    if (!IDEMPOTENT_MUTATIONS.has(name)) continue;
    const responseKey = field.alias?.value ?? name;
    const directive = field.directives?.find((d) => d.name.value === 'idempotent');
    if (!directive) {
      errors.push(err(
        `The mutation field "${name}" requires the @idempotent(key: "...") directive as of API version ${RULES_FROM_VERSION}.`,
        'IDEMPOTENCY_KEY_REQUIRED', field, [responseKey]));
      continue;
    }
    const keyArg = directive.arguments?.find((a) => a.name.value === 'key');
    const key = keyArg ? valueFromAST(keyArg.value, schema.getDirective('idempotent')?.args.find((a) => a.name === 'key')?.type ?? schema.getType('String'), variables) : undefined;
    if (typeof key !== 'string' || key.trim() === '') {
      errors.push(err(
        `The @idempotent key on "${name}" must be a non-empty string that is not only whitespace.`,
        'IDEMPOTENCY_KEY_REQUIRED', directive, [responseKey]));
    }
  }
}

// --- changeFromQuantity present in every object of the listed input types -----------------------------------------

function checkChangeFromQuantity(schema, document, operation, rawVariables, errors) {
  // Literals: walk the operation and every fragment with TypeInfo, so each ObjectValue knows its input type.
  const typeInfo = new TypeInfo(schema);
  const path = [];
  const visitor = visitWithTypeInfo(typeInfo, {
    Field: {
      enter(node) { path.push(node.alias?.value ?? node.name.value); },
      leave() { path.pop(); },
    },
    Argument: {
      enter(node) { path.push(node.name.value); },
      leave() { path.pop(); },
    },
    ObjectField: {
      enter(node) { path.push(node.name.value); },
      leave() { path.pop(); },
    },
    ObjectValue: {
      enter(node, key) {
        if (typeof key === 'number') path.push(key);
        const type = getNamedType(typeInfo.getInputType());
        if (type && CHANGE_FROM_QUANTITY_TYPES.has(type.name) && !node.fields.some((f) => f.name.value === 'changeFromQuantity')) {
          errors.push(err(
            `${type.name} at ${path.join('.')} must include changeFromQuantity as of API version ${RULES_FROM_VERSION} (pass null to opt out of the compare-and-swap check).`,
            'CHANGE_FROM_QUANTITY_REQUIRED', node, [...path]));
        }
      },
      leave(node, key) {
        if (typeof key === 'number') path.pop();
      },
    },
  });
  visit(operation, visitor);
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) visit(d, visitor);

  // Variables: walk each provided value by its declared type.
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (!Object.prototype.hasOwnProperty.call(rawVariables, name)) continue;
    const type = typeFromAST(schema, def.type);
    walkValue(type, rawVariables[name], ['$' + name], errors, def);
  }
}

function walkValue(type, value, p, errors, node) {
  if (value === null || value === undefined || !type) return;
  if (isNonNullType(type)) return walkValue(type.ofType, value, p, errors, node);
  if (isListType(type)) {
    if (Array.isArray(value)) value.forEach((v, i) => walkValue(type.ofType, v, [...p, i], errors, node));
    else walkValue(type.ofType, value, p, errors, node);
    return;
  }
  if (!isInputObjectType(type) || typeof value !== 'object') return;
  if (CHANGE_FROM_QUANTITY_TYPES.has(type.name) && !Object.prototype.hasOwnProperty.call(value, 'changeFromQuantity')) {
    errors.push(err(
      `${type.name} at variables ${p.join('.')} must include changeFromQuantity as of API version ${RULES_FROM_VERSION} (pass null to opt out of the compare-and-swap check).`,
      'CHANGE_FROM_QUANTITY_REQUIRED', node, p));
  }
  const fields = type.getFields();
  for (const [k, v] of Object.entries(value)) if (fields[k]) walkValue(fields[k].type, v, [...p, k], errors, node);
}

// --- requested query cost ----------------------------------------------------------------------------------------
// Shopify's documented calculated-query-cost defaults (https://shopify.dev/docs/api/usage/rate-limits, "Cost
// calculation"), before execution, without per-field overrides:
//   scalar or enum field                0
//   object field (also a list of them)  1 + its selection
//   interface or union field            1 + the most expensive of the selections for its possible types
//   connection field (returns a *Connection with edges/nodes)
//                                       2 + n x (cost of one item), n = first ?? last (literal or variable; 1 when
//                                       neither is given); one item = what is selected under edges.node and nodes
//                                       (edges itself, cursor and pageInfo are free); other connection fields once
//   mutation root field                 10 + the selection of its payload (the payload object is not charged again)
//   __typename and introspection        0
// Shopify's real figures can differ where a field has its own cost (e.g. productSet's dynamic cost).

export function operationCost(schema, operation, fragments, variables) {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  if (operation.operation === 'mutation') {
    let total = 0;
    for (const field of collectFields(rootType, operation.selectionSet, fragments).flat) {
      const def = rootType.getFields()[field.name.value];
      if (!def) continue;
      const t = getNamedType(def.type);
      total += 10 + (field.selectionSet ? selectionCost(schema, t, field.selectionSet, fragments, variables) : 0);
    }
    return total;
  }
  return selectionCost(schema, rootType, operation.selectionSet, fragments, variables);
}

// The fields selected on parentType, split into those that always apply (flat) and those under a type condition
// naming another type (byType: condition name -> fields), so abstract types can take the most expensive branch.
function collectFields(parentType, selectionSet, fragments, acc = { flat: [], byType: new Map() }, condition = null, seen = new Set()) {
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) {
      if (condition) {
        if (!acc.byType.has(condition)) acc.byType.set(condition, []);
        acc.byType.get(condition).push(s);
      } else acc.flat.push(s);
      continue;
    }
    let frag = null;
    if (s.kind === Kind.INLINE_FRAGMENT) frag = s;
    else if (s.kind === Kind.FRAGMENT_SPREAD && fragments[s.name.value] && !seen.has(s.name.value)) {
      seen.add(s.name.value);
      frag = fragments[s.name.value];
    }
    if (!frag) continue;
    const tc = frag.typeCondition?.name.value;
    const next = !tc || tc === parentType.name ? condition : tc;
    collectFields(parentType, frag.selectionSet, fragments, acc, next, seen);
  }
  return acc;
}

function selectionCost(schema, parentType, selectionSet, fragments, variables) {
  const { flat, byType } = collectFields(parentType, selectionSet, fragments);
  let cost = fieldsCost(schema, parentType, flat, fragments, variables);
  let branch = 0;
  for (const [typeName, fields] of byType) {
    const t = schema.getType(typeName) ?? parentType;
    branch = Math.max(branch, fieldsCost(schema, t, fields, fragments, variables));
  }
  return cost + branch;
}

function fieldsCost(schema, parentType, fields, fragments, variables) {
  let cost = 0;
  const defs = parentType.getFields?.() ?? {};
  for (const field of fields) {
    const name = field.name.value;
    if (name.startsWith('__')) continue;
    const def = defs[name];
    if (!def) continue;
    cost += fieldCost(schema, def, field, fragments, variables);
  }
  return cost;
}

function isConnection(type) {
  if (!isObjectType(type) || !type.name.endsWith('Connection')) return false;
  const f = type.getFields();
  return Boolean(f.edges || f.nodes);
}

function argumentInt(schema, def, field, name, variables) {
  const arg = field.arguments?.find((a) => a.name.value === name);
  const argDef = def.args.find((a) => a.name === name);
  if (!arg || !argDef) return undefined;
  const v = valueFromAST(arg.value, argDef.type, variables);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function fieldCost(schema, def, field, fragments, variables) {
  const type = getNamedType(def.type);
  if (isLeafType(type) || !field.selectionSet) return 0;
  if (isConnection(type)) {
    const n = Math.max(0, argumentInt(schema, def, field, 'first', variables) ?? argumentInt(schema, def, field, 'last', variables) ?? 1);
    const connFields = type.getFields();
    let item = 0;
    let once = 0;
    for (const f of collectFields(type, field.selectionSet, fragments).flat) {
      const fname = f.name.value;
      if (fname === 'edges' && f.selectionSet) {
        const edgeType = getNamedType(connFields.edges.type);
        const edgeFields = edgeType.getFields();
        for (const ef of collectFields(edgeType, f.selectionSet, fragments).flat) {
          if (ef.name.value === 'node' && edgeFields.node) item += fieldCost(schema, edgeFields.node, ef, fragments, variables);
          else if (edgeFields[ef.name.value]) item += fieldCost(schema, edgeFields[ef.name.value], ef, fragments, variables);
        }
      } else if (fname === 'nodes' && connFields.nodes) {
        item += fieldCost(schema, connFields.nodes, f, fragments, variables);
      } else if (fname === 'pageInfo' || fname.startsWith('__')) {
        // free
      } else if (connFields[fname]) {
        once += fieldCost(schema, connFields[fname], f, fragments, variables);
      }
    }
    return 2 + n * item + once;
  }
  // Object, interface, union (lists of them alike): one point plus the selection; abstract types take the most
  // expensive type-conditioned branch in selectionCost.
  return 1 + selectionCost(schema, type, field.selectionSet, fragments, variables);
}

// --- entry points -------------------------------------------------------------------------------------------------

function safeValidate(req) {
  try {
    return validateRequest(req);
  } catch (e) {
    return { id: req?.id ?? null, errors: [{ message: `validator failure: ${e?.stack ?? e}`, code: 'INTERNAL_ERROR' }], requestedQueryCost: 0 };
  }
}

function serve() {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: null, errors: [{ message: `request is not JSON: ${e.message}`, code: 'BAD_REQUEST' }], requestedQueryCost: 0 }) + '\n');
      return;
    }
    process.stdout.write(JSON.stringify(safeValidate(req)) + '\n');
  });
  rl.on('close', () => process.exit(0));
}

function main(argv) {
  if (argv[0] === '--serve') return serve();
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    process.stderr.write('usage: node validate.mjs --serve | node validate.mjs <requests.json>\n');
    process.exit(2);
  }
  let requests = JSON.parse(readFileSync(argv[0], 'utf8'));
  if (!Array.isArray(requests)) requests = [requests];
  const results = requests.map(safeValidate);
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  process.exitCode = results.every((r) => r.errors.length === 0) ? 0 : 1;
}

// Run as a script (not when imported); realpath so a symlinked checkout still counts.
if (process.argv[1] && realpathSync(path.resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url))) main(process.argv.slice(2));
