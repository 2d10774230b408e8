using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ChatKit.EntityFrameworkCore.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "chatkit_attachments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ThreadId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Json = table.Column<string>(type: "text", nullable: false),
                    MetadataJson = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatkit_attachments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "chatkit_memories",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    UserId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Text = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatkit_memories", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "chatkit_threads",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Title = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    StatusJson = table.Column<string>(type: "text", nullable: false),
                    MetadataJson = table.Column<string>(type: "text", nullable: false),
                    AllowedImageDomainsJson = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatkit_threads", x => x.Sequence);
                    table.UniqueConstraint("AK_chatkit_threads_Id", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "chatkit_feedback",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ThreadId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ItemId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatkit_feedback", x => x.Sequence);
                    table.ForeignKey(
                        name: "FK_chatkit_feedback_chatkit_threads_ThreadId",
                        column: x => x.ThreadId,
                        principalTable: "chatkit_threads",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chatkit_items",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ThreadId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatkit_items", x => x.Sequence);
                    table.ForeignKey(
                        name: "FK_chatkit_items_chatkit_threads_ThreadId",
                        column: x => x.ThreadId,
                        principalTable: "chatkit_threads",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_attachments_ThreadId",
                table: "chatkit_attachments",
                column: "ThreadId");

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_attachments_UserId_CreatedAt",
                table: "chatkit_attachments",
                columns: new[] { "UserId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_feedback_ThreadId_ItemId",
                table: "chatkit_feedback",
                columns: new[] { "ThreadId", "ItemId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_items_CreatedAt",
                table: "chatkit_items",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_items_ThreadId_CreatedAt_Sequence",
                table: "chatkit_items",
                columns: new[] { "ThreadId", "CreatedAt", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_items_ThreadId_Id",
                table: "chatkit_items",
                columns: new[] { "ThreadId", "Id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_memories_Id",
                table: "chatkit_memories",
                column: "Id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_memories_UserId_Sequence",
                table: "chatkit_memories",
                columns: new[] { "UserId", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_threads_Id",
                table: "chatkit_threads",
                column: "Id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_threads_UserId_Sequence",
                table: "chatkit_threads",
                columns: new[] { "UserId", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chatkit_attachments");

            migrationBuilder.DropTable(
                name: "chatkit_feedback");

            migrationBuilder.DropTable(
                name: "chatkit_items");

            migrationBuilder.DropTable(
                name: "chatkit_memories");

            migrationBuilder.DropTable(
                name: "chatkit_threads");
        }
    }
}
