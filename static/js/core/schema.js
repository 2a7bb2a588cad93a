/**
 * A game's schema as WELCOME carries it (protocol 5.1, engine/schema.py): the fields of its
 * INPUT, its globals, collections of entities, events and roster columns, and how wire integers
 * become game values (divided by each field's `scale`; angles in radians). Pure.
 */

/** An empty schema: a game that declares nothing (also what a WELCOME without one gets). */
export const EMPTY_SCHEMA = Object.freeze(parseSchema({}));

/**
 * The parsed schema of WELCOME's `schema` map: `{inputs, globals, collections, events, roster,
 * avatars}` where fields are `{name, low, high, scale, delta, kind, lerp, length}`, collections
 * `{name, kind, fields, avatars, motion, position}` (`position` maps a field name to its index),
 * events `{kind, name, args}` and `avatars` is the collection of the players' avatars (or null).
 */
export function parseSchema(wire) {
  const body = wire && typeof wire === "object" ? wire : {};
  const collections = list(body.collections).map(parseCollection);
  const events = list(body.events).map((event) => ({
    kind: event?.kind,
    name: String(event?.name ?? ""),
    args: list(event?.args).map(String),
  }));
  return Object.freeze({
    inputs: Object.freeze(list(body.inputs).map(parseField)),
    globals: Object.freeze(list(body.globals).map(parseField)),
    collections: Object.freeze(collections),
    events: Object.freeze(events),
    eventsByKind: new Map(events.map((event) => [event.kind, event])),
    roster: Object.freeze(list(body.roster).map(parseField)),
    avatars: collections.find((collection) => collection.avatars) ?? null,
  });
}

/**
 * A field `{name, low, high, scale, delta, kind, lerp, length, optional}`, engine/schema.py's
 * defaults.
 */
export function parseField(wire) {
  return Object.freeze({
    name: String(wire?.name ?? ""),
    low: Number(wire?.low ?? 0),
    high: Number(wire?.high ?? 0),
    scale: Number(wire?.scale) > 0 ? Number(wire.scale) : 1,
    delta: wire?.delta === "diff" ? "diff" : "value",
    kind: wire?.kind ?? "int",
    lerp: wire?.lerp === true,
    length: Number.isInteger(wire?.length) ? wire.length : null,
    optional: wire?.optional === true,
  });
}

function parseCollection(wire) {
  const fields = list(wire?.fields).map(parseField);
  const position = new Map(fields.map((field, index) => [field.name, index]));
  const motion = Array.isArray(wire?.motion) ? wire.motion.map(String) : null;
  return Object.freeze({
    name: String(wire?.name ?? ""),
    kind: wire?.kind === "projectiles" ? "projectiles" : "entities",
    fields: Object.freeze(fields),
    avatars: wire?.avatars === true,
    motion,
    position,
  });
}

/** A wire value of `field` as the game's value: divided by the scale (a list: each element). */
export function fieldValue(field, wire) {
  if (Array.isArray(wire)) return wire.map((value) => value / field.scale);
  return wire / field.scale;
}

/** A wire row of `fields` (`[v0, v1, …]`) as `{name: value}`, with `id` first when given. */
export function decodeRow(fields, row, id = undefined) {
  const entity = id === undefined ? {} : { id };
  for (let i = 0; i < fields.length; i += 1) entity[fields[i].name] = fieldValue(fields[i], row[i]);
  return entity;
}

/** The globals of a wire state (`[v0, v1, …]`) as `{name: value}`. */
export function decodeGlobals(schema, values) {
  return decodeRow(schema.globals, values ?? []);
}

/**
 * A wire event `[kind, arg…]` as `{kind: name, arg: value, …}` by the schema's event types;
 * null for a kind the schema does not declare (clients ignore those, protocol 5.2).
 */
export function decodeEvent(schema, wire) {
  if (!Array.isArray(wire)) return null;
  const type = schema.eventsByKind.get(wire[0]);
  if (!type) return null;
  const event = { kind: type.name };
  type.args.forEach((arg, index) => {
    event[arg] = wire[index + 1];
  });
  return event;
}

/**
 * A roster entry `[id, name, (team,) *columns, connected]` (protocol 5.2) as `{id, name, team?,
 * connected, ...columns}`, the columns divided by their scale; `teams` is WELCOME's.
 */
export function decodeRosterEntry(schema, wire, teams = 0) {
  const entry = Array.isArray(wire) ? wire : [];
  const out = { id: entry[0], name: String(entry[1] ?? "") };
  let at = 2;
  if (teams) {
    out.team = entry[at];
    at += 1;
  }
  for (const field of schema.roster) {
    out[field.name] = fieldValue(field, entry[at]);
    at += 1;
  }
  out.connected = Boolean(entry[at]);
  return out;
}

/**
 * The INPUT values of a game as wire integers: each rounded and clamped to its field's range, in
 * the schema's order (missing values are the field's value nearest 0; optional fields left out
 * at the end are not sent).
 */
export function encodeInput(fields, values) {
  const given = Array.isArray(values) ? values.length : 0;
  const sent = fields.filter((field, index) => !field.optional || index < given);
  return sent.map((field, index) => {
    const value = Math.round(Number(values?.[index]) || 0);
    return Math.min(field.high, Math.max(field.low, value)) + 0;
  });
}

/** `name` as a column title: "score" → "Score", "goals_for" → "Goals for". */
export function titleOf(name) {
  const text = String(name ?? "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The scoreboard's columns of a schema: every roster field `{name, title}` titled by its name,
 * the first one sorted descending.
 */
export function defaultColumns(schema) {
  return schema.roster.map((field, index) => ({
    name: field.name,
    title: titleOf(field.name),
    ...(index === 0 ? { order: "desc" } : {}),
  }));
}

/**
 * The field bounds of the avatars collection's `x` and `y`, in game units: `{x, y, width,
 * height}` (the area a follow camera moves in), or null without avatars or without x and y.
 */
export function avatarBounds(schema) {
  const avatars = schema.avatars;
  if (!avatars) return null;
  const x = avatars.fields[avatars.position.get("x")];
  const y = avatars.fields[avatars.position.get("y")];
  if (!x || !y) return null;
  return {
    x: x.low / x.scale,
    y: y.low / y.scale,
    width: (x.high - x.low) / x.scale,
    height: (y.high - y.low) / y.scale,
  };
}

function list(value) {
  return Array.isArray(value) ? value : [];
}
