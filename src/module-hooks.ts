import module from 'node:module';

// Preloaded by every entry point (`node --import ./src/module-hooks.ts …`).
//
// drizzle-orm's package.json carries a 175 KB `exports` map, and Node's ESM loader deserialises a
// package's package.json again for each of its files it loads: importing drizzle as ESM allocates
// ≈ 150 MB of garbage and takes ≈ 0.5 s, which leaves V8's young generation grown to 128 MB for
// the life of the process (≈ 100 MB of resident memory). Its CommonJS build, loaded through the
// require loader, costs ≈ 10 MB. Every import of drizzle-orm resolves to that build, so the
// process holds one copy of it. registerHooks is Node ≥ 22.15; older Nodes just load the ESM build.
module.registerHooks?.({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'drizzle-orm' || specifier.startsWith('drizzle-orm/')) {
      return nextResolve(specifier, { ...context, conditions: ['node', 'require', 'default'] });
    }
    return nextResolve(specifier, context);
  },
});
