using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ThreadWireJson : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "WireJson",
                table: "chatkit_threads",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "WireStamp",
                table: "chatkit_threads",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WireJson",
                table: "chatkit_threads");

            migrationBuilder.DropColumn(
                name: "WireStamp",
                table: "chatkit_threads");
        }
    }
}
