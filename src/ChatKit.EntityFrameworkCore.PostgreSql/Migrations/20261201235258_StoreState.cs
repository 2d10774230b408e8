using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class StoreState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "chatkit_store_state",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Value = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chatkit_store_state", x => x.Key);
                });

            migrationBuilder.InsertData(
                table: "chatkit_store_state",
                columns: new[] { "Key", "Value" },
                values: new object[] { "stored_json_restamp", "" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chatkit_store_state");
        }
    }
}
