/**
 * Type guards compiled from a Schema's AST, for the hot inbound path.
 *
 * `Schema.is` builds an output and an `Either` for every field it checks.
 * A guard compiled here checks the same things and allocates nothing; a
 * struct's is generated as straight-line code, one property access per field.
 * It handles the nodes the event Schemas use (keywords, literals, unions,
 * arrays, structs with `Record<string, unknown>` rest); for any other node it
 * gives up, and the caller keeps `Schema.is`. The tests check that both give
 * the same verdict.
 *
 * @internal
 */
import type * as AST from "effect/SchemaAST"

/** A guard: whether a value is of the Schema's type. */
export type Guard = (input: unknown) => boolean

/** A struct's property, as its guard checks it. */
interface Property {
  readonly name: string | number
  readonly optional: boolean
  readonly guard: Guard
  /** The property's type, for {@link generateTypeLiteral}. */
  readonly ast: AST.AST
}

const always: Guard = () => true

/** Compiles `ast` into a guard, or returns undefined if it holds a node this compiler does not know. */
export const compile = (ast: AST.AST): Guard | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string"
    case "NumberKeyword":
      return (input) => typeof input === "number"
    case "BooleanKeyword":
      return (input) => typeof input === "boolean"
    case "UndefinedKeyword":
      return (input) => input === undefined
    case "UnknownKeyword":
    case "AnyKeyword":
      return always
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal
    }
    case "Union": {
      const members = ast.types.map(compile)
      if (members.some((member) => member === undefined)) return undefined
      const guards = members as Array<Guard>
      return (input) => guards.some((guard) => guard(input))
    }
    case "TupleType": {
      const rest = ast.rest[0]
      if (ast.elements.length > 0 || ast.rest.length !== 1 || rest === undefined) return undefined
      const item = compile(rest.type)
      if (item === undefined) return undefined
      return (input) => Array.isArray(input) && (item === always || input.every(item))
    }
    case "TypeLiteral": {
      // A rest of `Record<string, unknown>` accepts any other key; other index signatures are left to Schema.is.
      if (ast.indexSignatures.some((index) => index.type._tag !== "UnknownKeyword")) return undefined
      const properties: Array<Property> = []
      for (const property of ast.propertySignatures) {
        const guard = compile(property.type)
        if (guard === undefined || typeof property.name === "symbol") return undefined
        properties.push({ name: property.name, optional: property.isOptional, guard, ast: property.type })
      }
      return generateTypeLiteral(properties) ?? ((input) => {
        // Like Schema.is: a non-null object that is not an array, with every required key present (`exact`).
        if (typeof input !== "object" || input === null || Array.isArray(input)) return false
        const record = input as Record<PropertyKey, unknown>
        for (const property of properties) {
          if (!Object.hasOwn(record, property.name)) {
            if (property.optional) continue
            return false
          }
          if (!property.guard(record[property.name])) return false
        }
        return true
      })
    }
    default:
      return undefined
  }
}

/**
 * The check of a leaf that can be written inline (`v` is the value), or
 * undefined: a string, number, boolean, `undefined` or literal, or a union of
 * those (an optional one).
 */
const inlineCheck = (ast: AST.AST): string | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return `typeof v === "string"`
    case "NumberKeyword":
      return `typeof v === "number"`
    case "BooleanKeyword":
      return `typeof v === "boolean"`
    case "UndefinedKeyword":
      return `v === undefined`
    case "Literal": {
      const literal = ast.literal
      return typeof literal === "string" || typeof literal === "boolean" || literal === null ||
          (typeof literal === "number" && Number.isFinite(literal))
        ? `v === ${JSON.stringify(literal)}`
        : undefined
    }
    case "Union": {
      const parts = ast.types.map(inlineCheck)
      return parts.every((part) => part !== undefined) ? `(${parts.join(" || ")})` : undefined
    }
    default:
      return undefined
  }
}

/**
 * The struct guard as straight-line code, one property access per field with
 * its name written in (through `JSON.stringify`): each access then has a site
 * of its own, where the loop looks up every name at one (megamorphic) site.
 * The same checks in the same order, so the same verdicts. A key is own, as
 * `exact` asks, when it is `in` the object and either not `in` its prototype
 * or `Object.hasOwn` says so: `in` is cached at its site, `Object.hasOwn`
 * is not, and is asked only of a key the prototype has too. Undefined where
 * code cannot be generated (a runtime that forbids `new Function`), and the
 * loop is kept.
 */
const generateTypeLiteral = (properties: ReadonlyArray<Property>): Guard | undefined => {
  const guards: Array<Guard> = []
  let body = "if (typeof r !== \"object\" || r === null || Array.isArray(r)) return false\n" +
    "const p = Object.getPrototypeOf(r)\nlet v\n"
  for (const property of properties) {
    const name = JSON.stringify(property.name)
    let check = inlineCheck(property.ast)
    if (check === undefined) {
      guards.push(property.guard)
      check = `g${guards.length - 1}(v)`
    }
    const own = `${name} in r && (p === null || !(${name} in p) || Object.hasOwn(r, ${name}))`
    body += `if (${own}) { v = r[${name}]; if (!(${check})) return false }` +
      (property.optional ? "\n" : " else return false\n")
  }
  body += "return true"
  try {
    return new Function(...guards.map((_, i) => `g${i}`), `return (r) => {\n${body}\n}`)(...guards) as Guard
  } catch {
    return undefined
  }
}
