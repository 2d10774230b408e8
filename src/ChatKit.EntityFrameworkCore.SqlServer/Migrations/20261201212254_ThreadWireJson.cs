using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.SqlServer.Migrations
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
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "WireStamp",
                table: "chatkit_threads",
                type: "bigint",
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
