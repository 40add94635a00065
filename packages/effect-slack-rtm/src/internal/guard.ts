/**
 * Type guards compiled from a Schema's AST, for the hot inbound path.
 *
 * `Schema.is` runs the Schema's parser, which builds an output and an `Exit`
 * for every field it checks. A guard compiled here checks the same things and
 * allocates nothing; a struct's is generated as straight-line code, one
 * property access per field. It handles the nodes the event Schemas use (keywords,
 * literals, unions, arrays, structs with a `Record<string, unknown>` rest);
 * for any other node, or a node with checks or an encoding, it gives up, and
 * the caller keeps `Schema.is`. Invariant: a compiled guard gives the same
 * verdict as `Schema.is`; the tests check it on samples and their mutations.
 *
 * @internal
 */
import type * as AST from "effect/SchemaAST"

/**
 * A guard: whether a value is of the Schema's type.
 *
 * @since 1.0.0
 */
export type Guard = (input: unknown) => boolean

interface Property {
  readonly name: string | number
  /** Whether the key is only looked up among the object's own keys (`__proto__`, as Schema's parser does). */
  readonly own: boolean
  readonly optional: boolean
  readonly guard: Guard
  /** The property's type, for {@link generateObjects}. */
  readonly ast: AST.AST
}

const always: Guard = () => true

const compileUnion = (ast: AST.Union): Guard | undefined => {
  if (ast.options?.mode === "oneOf") return undefined
  const members = ast.types.map(compile)
  if (members.some((member) => member === undefined)) return undefined
  const guards = members as Array<Guard>
  const [first, second] = guards
  // `Schema.optional(X)` is `X | undefined`: the common case gets no loop.
  if (guards.length === 2 && first !== undefined && second !== undefined) {
    return (input) => first(input) || second(input)
  }
  return (input) => {
    for (const guard of guards) if (guard(input)) return true
    return false
  }
}

const compileArrays = (ast: AST.Arrays): Guard | undefined => {
  const rest = ast.rest[0]
  if (ast.elements.length > 0 || ast.rest.length !== 1 || rest === undefined) return undefined
  const item = compile(rest)
  if (item === undefined) return undefined
  return (input) => Array.isArray(input) && (item === always || input.every(item))
}

const compileObjects = (ast: AST.Objects): Guard | undefined => {
  // A rest of `Record<string, unknown>` accepts any other key; other index signatures are left to Schema.is.
  if (ast.indexSignatures.some((index) => index.parameter._tag !== "String" || index.type._tag !== "Unknown")) {
    return undefined
  }
  // Schema's parser accepts any non-nullish value for an empty struct; leave that case to Schema.is.
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) return undefined
  const properties: Array<Property> = []
  for (const property of ast.propertySignatures) {
    const guard = compile(property.type)
    if (guard === undefined || typeof property.name === "symbol") return undefined
    properties.push({
      ast: property.type,
      name: property.name,
      own: property.name === "__proto__",
      optional: property.type.context?.isOptional === true,
      guard
    })
  }
  return generateObjects(properties) ?? ((input) => {
    // Like Schema.is: a non-null object that is not an array, with every required key present (asked with `in`).
    if (typeof input !== "object" || input === null || Array.isArray(input)) return false
    const record = input as Record<PropertyKey, unknown>
    for (const property of properties) {
      if (property.own ? !Object.hasOwn(record, property.name) : !(property.name in record)) {
        if (property.optional) continue
        return false
      }
      if (!property.guard(record[property.name])) return false
    }
    return true
  })
}

/**
 * The check of a leaf that can be written inline (`v` is the value), or
 * undefined: a string, number, boolean or literal, or an optional one.
 */
const inlineCheck = (ast: AST.AST): string | undefined => {
  if (ast.checks !== undefined || ast.encoding !== undefined) return undefined
  switch (ast._tag) {
    case "String":
      return `typeof v === "string"`
    case "Number":
      return `typeof v === "number"`
    case "Boolean":
      return `typeof v === "boolean"`
    case "Undefined":
      return `v === undefined`
    case "Literal":
      return typeof ast.literal === "string" || typeof ast.literal === "boolean" ||
          (typeof ast.literal === "number" && Number.isFinite(ast.literal))
        ? `v === ${JSON.stringify(ast.literal)}`
        : undefined
    case "Union": {
      if (ast.options?.mode === "oneOf") return undefined
      const parts = ast.types.map(inlineCheck)
      return parts.every((part) => part !== undefined) ? `(${parts.join(" || ")})` : undefined
    }
    default:
      return undefined
  }
}

/**
 * The struct guard as straight-line code, one property access per field
 * with its name written in: each access then has a site of its own, where
 * the shared loop above looks up every name at one (megamorphic) site, some
 * 300 ns for a `message`. The same checks in the same order, so the same
 * verdicts. Undefined where code cannot be generated (a runtime that
 * forbids `new Function`), and the loop is kept.
 */
const generateObjects = (properties: ReadonlyArray<Property>): Guard | undefined => {
  const guards: Array<Guard> = []
  let body = "if (typeof r !== \"object\" || r === null || Array.isArray(r)) return false\nlet v\n"
  for (const property of properties) {
    const name = JSON.stringify(property.name)
    const present = property.own ? `Object.hasOwn(r, ${name})` : `${name} in r`
    let check = inlineCheck(property.ast)
    if (check === undefined) {
      guards.push(property.guard)
      check = `g${guards.length - 1}(v)`
    }
    body += `if (${present}) { v = r[${name}]; if (!(${check})) return false }` +
      (property.optional ? "\n" : " else return false\n")
  }
  body += "return true"
  try {
    return new Function(...guards.map((_, i) => `g${i}`), `return (r) => {\n${body}\n}`)(...guards) as Guard
  } catch {
    return undefined
  }
}

/**
 * Compiles `ast` into a guard, or returns undefined if it holds a node this compiler does not know.
 *
 * @since 1.0.0
 */
export const compile = (ast: AST.AST): Guard | undefined => {
  // Refinements and transformations are Schema.is's business.
  if (ast.checks !== undefined || ast.encoding !== undefined) return undefined
  switch (ast._tag) {
    case "String":
      return (input) => typeof input === "string"
    case "Number":
      return (input) => typeof input === "number"
    case "Boolean":
      return (input) => typeof input === "boolean"
    case "Undefined":
      return (input) => input === undefined
    case "Unknown":
    case "Any":
      return always
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal
    }
    case "Union":
      return compileUnion(ast)
    case "Arrays":
      return compileArrays(ast)
    case "Objects":
      return compileObjects(ast)
    default:
      return undefined
  }
}
