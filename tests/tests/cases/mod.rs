mod admin;
mod smoke;
