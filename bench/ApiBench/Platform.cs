using System.Runtime.Versioning;

// The benchmark starts PostgreSQL as the postgres account, which is Linux-only.
[assembly: SupportedOSPlatform("linux")]
