/**
 * Type guards compiled from a Schema's AST, for the hot inbound path.
 *
 * `Schema.is` builds an output and an `Either` for every field it checks.
 * A guard compiled here checks the same things and allocates nothing. It
 * handles the nodes the event Schemas use (keywords, literals, unions,
 * arrays, structs with `Record<string, unknown>` rest); for any other node it
 * gives up, and the caller keeps `Schema.is`. The tests check that both give
 * the same verdict.
 *
 * @internal
 */
import type * as AST from "effect/SchemaAST"

/** A guard: whether a value is of the Schema's type. */
export type Guard = (input: unknown) => boolean

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
      const properties: Array<{ readonly name: PropertyKey; readonly optional: boolean; readonly guard: Guard }> = []
      for (const property of ast.propertySignatures) {
        const guard = compile(property.type)
        if (guard === undefined || typeof property.name === "symbol") return undefined
        properties.push({ name: property.name, optional: property.isOptional, guard })
      }
      return (input) => {
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
      }
    }
    default:
      return undefined
  }
}
