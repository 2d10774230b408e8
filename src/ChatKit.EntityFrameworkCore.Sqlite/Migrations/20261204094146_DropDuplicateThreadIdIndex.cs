using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatKit.EntityFrameworkCore.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class DropDuplicateThreadIdIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chatkit_threads_Id",
                table: "chatkit_threads");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_chatkit_threads_Id",
                table: "chatkit_threads",
                column: "Id",
                unique: true);
        }
    }
}
