using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SearchText : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SearchText",
                table: "chatkit_threads",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SearchText",
                table: "chatkit_items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.InsertData(
                table: "chatkit_store_state",
                columns: new[] { "Key", "Value" },
                values: new object[] { "search_text_fill", "" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                table: "chatkit_store_state",
                keyColumn: "Key",
                keyValue: "search_text_fill");

            migrationBuilder.DropColumn(
                name: "SearchText",
                table: "chatkit_threads");

            migrationBuilder.DropColumn(
                name: "SearchText",
                table: "chatkit_items");
        }
    }
}
