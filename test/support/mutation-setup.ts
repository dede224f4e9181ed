import fc from 'fast-check';

// Under mutation testing every covered test runs once per mutant: properties try 25 cases instead
// of 100 — still enough to kill what they kill (a mutant that only one case in a hundred exposes
// is exposed by the example tests), and mutation testing stays within an hour.
fc.configureGlobal({ numRuns: 25 });
