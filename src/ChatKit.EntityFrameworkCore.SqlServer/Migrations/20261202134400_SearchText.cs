using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.SqlServer.Migrations
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
                type: "nvarchar(max)",
                nullable: true,
                collation: "Latin1_General_100_BIN2");

            migrationBuilder.AddColumn<string>(
                name: "SearchText",
                table: "chatkit_items",
                type: "nvarchar(max)",
                nullable: true,
                collation: "Latin1_General_100_BIN2");

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
