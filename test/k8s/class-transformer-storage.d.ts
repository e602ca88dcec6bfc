// Types of class-transformer's metadata storage module, which the package ships apart (types/) from its code (cjs/).
declare module 'class-transformer/cjs/storage.js' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage.js';
}
