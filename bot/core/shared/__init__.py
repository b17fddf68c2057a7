"""What several features use: text, dates, message sizes, menus, roles, communes, skills."""
