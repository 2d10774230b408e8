global using ChatKit.Client;
global using ChatKit.Testing;
global using FluentAssertions;
global using NUnit.Framework;
// The project's own choice of database (SQLite or PostgreSQL), not the kit's (file or memory).
global using TestDatabase = ChatKitServer.Tests.Support.TestDatabase;
