using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ExactTimesAndCreationOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Times were EF's DateTimeOffsetToBinaryConverter (local ticks / 1000 << 11 | 11-bit offset in
            // minutes); they become UTC ticks (UtcTicksConverter), exact and sortable.
            foreach (var (table, column) in TimeColumns)
                migrationBuilder.Sql($"UPDATE \"{table}\" SET \"{column}\" = ({column} >> 11) * 1000 - "
                    + $"(CASE WHEN ({column} & 1024) <> 0 THEN ({column} & 2047) - 2048 ELSE ({column} & 2047) END) * 600000000;");

            migrationBuilder.DropIndex(
                name: "IX_chatkit_items_ThreadId_Sequence",
                table: "chatkit_items");

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_items_ThreadId_CreatedAt_Sequence",
                table: "chatkit_items",
                columns: new[] { "ThreadId", "CreatedAt", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Back to the binary form, in UTC (offset 0); the digits below 0.1 ms are lost as they were before.
            foreach (var (table, column) in TimeColumns)
                migrationBuilder.Sql($"UPDATE \"{table}\" SET \"{column}\" = ({column} / 1000) << 11;");

            migrationBuilder.DropIndex(
                name: "IX_chatkit_items_ThreadId_CreatedAt_Sequence",
                table: "chatkit_items");

            migrationBuilder.CreateIndex(
                name: "IX_chatkit_items_ThreadId_Sequence",
                table: "chatkit_items",
                columns: new[] { "ThreadId", "Sequence" });
        }

        private static readonly (string Table, string Column)[] TimeColumns =
        [
            ("chatkit_threads", "CreatedAt"), ("chatkit_threads", "UpdatedAt"), ("chatkit_items", "CreatedAt"),
            ("chatkit_attachments", "CreatedAt"), ("chatkit_feedback", "CreatedAt"), ("chatkit_memories", "CreatedAt"),
        ];
    }
}
